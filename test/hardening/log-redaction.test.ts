import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { getHarness } from '../helpers/harness.js';

describe('logged database errors', () => {
  it("keep the error and the statement's text, never its parameter values", async () => {
    const { database } = await getHarness();
    const canary = `sealed-v1:${'Zm9vYmFy'.repeat(4)}`;
    // Division by zero: PostgreSQL's own message does not repeat the value.
    const error = await sql`select ${canary}::text, 1 / 0`.execute(database.db).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    if (database.kind === 'pglite')
      // PGlite attaches the values to the error: what this test is about.
      expect((error as unknown as { params: unknown[] }).params).toContain(canary);

    let output = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk);
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.error({ err: error }, 'request failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(output).toContain('division by zero');
    // pg's errors carry no statement; PGlite's carry its text, which stays.
    if (database.kind === 'pglite') expect(output).toContain('select $1::text, 1 / 0');
    expect(output).not.toContain(canary.slice(10));
  });

  it("drop the error's detail, which can hold a whole row's values", () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk);
        done();
      },
    });
    const error = Object.assign(new Error('new row violates check constraint "c"'), {
      code: '23514',
      detail: 'Failing row contains (sealed-v1:CANARY, …).',
    });
    createLogger('info', sink).error({ err: error }, 'request failed');
    expect(output).toContain('23514');
    expect(output).not.toContain('CANARY');
  });
});
