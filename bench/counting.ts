/**
 * A `pg.Pool` whose clients record every statement they are given (BEGIN and COMMIT too),
 * and a Kysely over it: the bench runs the real gateway in-process on it to learn which SQL
 * statements one request executes, and the baseline handler on another to compare.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/database.js';

export interface CountingPool {
  pool: pg.Pool;
  db: Kysely<Database>;
  /** Runs `fn` and returns the texts of the statements it executed, in order. */
  record(fn: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

export function countingPool(connectionString: string, max = 4): CountingPool {
  const pool = new pg.Pool({ connectionString, max });
  let recording: string[] | null = null;
  pool.on('connect', (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : first?.text;
      if (recording && text !== undefined) recording.push(text);
      return original(...args);
    };
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    pool,
    db,
    async record(fn) {
      recording = [];
      try {
        await fn();
        return recording;
      } finally {
        recording = null;
      }
    },
    close: () => db.destroy(),
  };
}

/** One statement text on one line with single spaces, for comparing and printing. */
export function normalizeSql(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
