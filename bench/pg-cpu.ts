/**
 * The CPU time PostgreSQL spends for one database: the sum of utime + stime of the server
 * processes (backends) connected to it, read from `/proc/<pid>/stat` (the server runs on this
 * machine). The bench reads it around each measured run, so each server's requests are charged
 * with the database work they cause; a page statement's planning, execution and JSON output
 * run in its backend, and none of that shows in the server process's own CPU.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { cpuMsOf } from './load.js';

export interface BackendCpu {
  /** CPU ms per backend pid of the database now (backends that are gone are left out). */
  sample(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/**
 * A sampler of the backends of `databaseUrl`'s database, or `null` when the server's processes
 * are not visible here (another machine or container): the bench then reports no PG CPU.
 */
export async function backendCpu(databaseUrl: string): Promise<BackendCpu | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const own = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
  if (!existsSync(`/proc/${own}/stat`)) {
    await client.end();
    return null;
  }
  return {
    async sample() {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      const out = new Map<number, number>();
      for (const { pid } of rows) {
        try {
          out.set(pid, cpuMsOf(pid));
        } catch {
          // ended between the query and the read
        }
      }
      return out;
    },
    close: () => client.end(),
  };
}

/**
 * CPU ms the backends spent between two samples: the growth of those in both, and all of a
 * backend that started in between (its whole life is in the run). A backend that ended in
 * between is lost; the servers' pools keep theirs open during a run.
 */
export function backendCpuBetween(before: Map<number, number>, after: Map<number, number>) {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}
