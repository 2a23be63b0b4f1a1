import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AbortedTransactionError,
  CompiledQuery,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PgPoolDriver } from '../../db/pg-driver.js';
import { onServer } from '../helpers/server.js';

const url = process.env.TEST_DATABASE_URL!;

/**
 * A pool of its own per driver, so a discarded connection shows in that pool's count; a killed
 * backend's error is expected (db/connect.ts listens for it the same way).
 */
function testPool(max: number) {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

function drivers() {
  const pools = [testPool(2), testPool(2)];
  return {
    pools,
    ours: new PgPoolDriver(pools[0]) as Driver,
    kysely: new PostgresDriver({ pool: pools[1] }) as Driver,
  };
}

const opened: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(opened.map((pool) => pool.end().catch(() => {})));
});

/** What `run` gives (or throws) on a connection of `driver`, released afterwards. */
async function outcome<T>(
  driver: Driver,
  run: (connection: DatabaseConnection, driver: Driver) => Promise<T>,
): Promise<{ value?: T; error?: { name: string; message: string; code?: string } }> {
  await driver.init();
  const connection = await driver.acquireConnection();
  try {
    return { value: await run(connection, driver) };
  } catch (error) {
    const { name, message, code } = error as Error & { code?: string };
    return { error: { name, message, ...(code ? { code } : {}) } };
  } finally {
    await driver.releaseConnection(connection);
  }
}

/** `run` on both drivers: our driver must give exactly what Kysely's `PostgresDriver` gives. */
async function same<T>(run: (connection: DatabaseConnection, driver: Driver) => Promise<T>) {
  const { pools, ours, kysely } = drivers();
  opened.push(...pools);
  const expected = await outcome(kysely, run);
  expect(await outcome(ours, run)).toEqual(expected);
  return expected;
}

const q = (sqlText: string, parameters: unknown[] = []) => CompiledQuery.raw(sqlText, parameters);

describe.runIf(onServer)(
  'the pool driver (db/pg-driver.ts) against Kysely’s PostgresDriver',
  () => {
    it('gives the same rows, row counts and statement results', async () => {
      const result = await same(async (c) => {
        const table = `pg_driver_${Math.random().toString(36).slice(2, 8)}`;
        const results = [];
        results.push(
          await c.executeQuery(q(`create temporary table ${table} (id int, name text)`)),
        );
        results.push(
          await c.executeQuery(
            q(`insert into ${table} values ($1, $2), ($3, $4)`, [1, 'a', 2, 'b']),
          ),
        );
        results.push(await c.executeQuery(q(`select id, name from ${table} order by id`)));
        results.push(await c.executeQuery(q(`update ${table} set name = $1 where id > 0`, ['c'])));
        results.push(
          await c.executeQuery(
            q(
              `merge into ${table} t using (select 1 as id) s on t.id = s.id when matched then update set name = 'd'`,
            ),
          ),
        );
        results.push(await c.executeQuery(q(`delete from ${table} where id = $1`, [2])));
        results.push(await c.executeQuery(q(`select id from ${table} where id = $1`, [42])));
        results.push(await c.executeQuery(q(`drop table ${table}`)));
        return results;
      });
      expect(result.value?.[1].numAffectedRows).toBe(2n);
      expect(result.value?.[3].numAffectedRows).toBe(2n);
    });

    it('begin, commit and rollback the same, with every setting', async () => {
      for (const settings of [
        {},
        { isolationLevel: 'read committed' as const },
        { accessMode: 'read only' as const },
        { isolationLevel: 'serializable' as const, accessMode: 'read write' as const },
      ]) {
        await same(async (c, d) => {
          await d.beginTransaction(c, settings);
          const inside = await c.executeQuery(
            q('select current_setting($1) as level', ['transaction_isolation']),
          );
          await d.commitTransaction(c);
          await d.beginTransaction(c, settings);
          await d.rollbackTransaction(c);
          return inside.rows;
        });
      }
    });

    it('refuse a COMMIT that PostgreSQL answered with ROLLBACK (AbortedTransactionError)', async () => {
      const result = await same(async (c, d) => {
        await d.beginTransaction(c, {});
        await c.executeQuery(q('select 1 / 0')).catch(() => undefined);
        await d.commitTransaction(c);
      });
      expect(result.error?.name).toBe(new AbortedTransactionError().name);
    });

    it('pass a statement error on unchanged', async () => {
      const result = await same((c) => c.executeQuery(q('select * from no_such_table_here')));
      expect(result.error?.code).toBe('42P01');
    });

    it('discard a connection whose rollback failed: refused after, and destroyed by the pool', async () => {
      const { pools, ours, kysely } = drivers();
      opened.push(...pools);
      const killed = async (driver: Driver, pool: pg.Pool) => {
        await driver.init();
        const c = await driver.acquireConnection();
        const [{ pid }] = (
          await c.executeQuery<{ pid: number }>(q('select pg_backend_pid() as pid'))
        ).rows;
        await driver.beginTransaction(c, {});
        const killer = new pg.Client({ connectionString: url });
        await killer.connect();
        await killer.query('select pg_terminate_backend($1)', [pid]);
        await killer.end();
        const rollback = await driver.rollbackTransaction(c).then(
          () => 'rolled back',
          () => 'failed',
        );
        const after = await c.executeQuery(q('select 1')).then(
          () => 'ran',
          (error: Error) => error.message,
        );
        await driver.releaseConnection(c);
        return { rollback, after, total: pool.totalCount };
      };
      const expected = await killed(kysely, pools[1]);
      expect(expected).toEqual({
        rollback: 'failed',
        after: 'Postgres connection has been discarded',
        total: 0,
      });
      expect(await killed(ours, pools[0])).toEqual(expected);
    });

    it('discard a connection whose backend is gone, not hand it to the next request', async () => {
      // Stricter than Kysely's driver: pg rejects the statement on the server's FATAL message,
      // before the socket's end marks the client unusable, so a connection released at once
      // would go back to the pool and fail the next request that takes it.
      const pool = testPool(1);
      opened.push(pool);
      const driver = new PgPoolDriver(pool);
      const c = await driver.acquireConnection();
      const error = await c.executeQuery(q('select pg_terminate_backend(pg_backend_pid())')).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(error?.code).toBe('57P01');
      // The server ended its transaction with the session: no ROLLBACK is sent, none fails.
      await expect(driver.rollbackTransaction(c)).resolves.toBeUndefined();
      await driver.releaseConnection(c);
      expect(pool.totalCount).toBe(0);
      const next = await driver.acquireConnection();
      try {
        expect((await next.executeQuery(q('select 1 as one'))).rows).toEqual([{ one: 1 }]);
      } finally {
        await driver.releaseConnection(next);
      }
      // A statement's own error leaves its connection in the pool.
      const d = await driver.acquireConnection();
      await d.executeQuery(q('select * from no_such_table_here')).catch(() => {});
      await driver.releaseConnection(d);
      expect(pool.totalCount).toBe(1);
    });

    it('refuse streaming as a PostgresDialect without a cursor does', async () => {
      await same(async (c) => {
        for await (const chunk of c.streamQuery(q('select 1'), 10)) return chunk;
      });
    });

    it('refuse a connection once destroyed', async () => {
      const pool = testPool(1);
      const driver = new PgPoolDriver(pool);
      await driver.destroy();
      await expect(driver.acquireConnection()).rejects.toThrow('driver has already been destroyed');
    });
  },
);

describe('the pool driver', () => {
  it('repeats kysely 0.29.9’s PostgresDriver and PostgresConnection (check on any upgrade)', () => {
    // `PgPoolDriver` does what this file does for the gateway. When Kysely changes it (a new
    // result field, another statement, a new error), carry the change over, then update the pin.
    const kysely = path.join(import.meta.dirname, '../../node_modules/kysely');
    const { version } = JSON.parse(readFileSync(path.join(kysely, 'package.json'), 'utf8')) as {
      version: string;
    };
    const source = readFileSync(
      path.join(kysely, 'dist/dialect/postgres/postgres-driver.js'),
      'utf8',
    );
    expect({
      version,
      driver: createHash('sha256').update(source).digest('hex').slice(0, 16),
    }).toEqual({ version: '0.29.9', driver: 'ce1a07b9c734bacf' });
  });
});
