import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * An error as logged: pino's standard form, without the values of the statement that failed.
 * PGlite attaches its parameters to its errors (`params`, `queryOptions`), and PostgreSQL's
 * `detail` can repeat a whole row (`Failing row contains (…)`): they hold sealed secrets,
 * hashes and whatever the request wrote. The statement text (`query`, placeholders only), the
 * message and the SQLSTATE `code` stay.
 */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.params;
  delete serialized.queryOptions;
  delete serialized.detail;
  return serialized;
}

/**
 * Structured JSON logs on stdout (or `destination`). Headers that carry credentials and any
 * field named like a secret are redacted at the logger, so no call site can leak one by
 * accident; so are the parameter values attached to database errors.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    serializers: { err: serializeError },
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
  };
  return destination ? pino(options, destination) : pino(options);
}
