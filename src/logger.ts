import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Structured JSON logs on stdout. Headers that carry credentials and any field named like a
 * secret are redacted at the logger, so no call site can leak one by accident.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.password',
        '*.apiKey',
        '*.clientKey',
        '*.variables',
        'variables',
      ],
      censor: '[redacted]',
    },
  });
}
