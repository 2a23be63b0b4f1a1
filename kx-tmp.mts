import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
const url = 'postgresql://postgres@/cgw_micro?host=/var/run/postgresql';
const pool = new pg.Pool({ connectionString: url, max: 4 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
const q = CompiledQuery.raw('select $1::int as x', [1]);
async function viaKysely(n: number) {
  await db.transaction().execute(async (trx) => { for (let i = 0; i < n; i++) await trx.executeQuery({ ...q, parameters: [i] } as any); });
}
async function viaPg(n: number) {
  const c = await pool.connect(); await c.query('begin');
  for (let i = 0; i < n; i++) await c.query('select $1::int as x', [i]);
  await c.query('commit'); c.release();
}
async function viaPool(n: number) { for (let i = 0; i < n; i++) await pool.query('select $1::int as x', [i]); }
async function viaKyselyPool(n: number) { for (let i = 0; i < n; i++) await db.executeQuery({ ...q, parameters: [i] } as any); }
for (let r = 0; r < 3; r++) for (const [name, fn] of [['kysely trx', viaKysely], ['pg client', viaPg], ['kysely pool', viaKyselyPool], ['pg pool', viaPool]] as const) {
  const c0 = process.cpuUsage(); await Promise.all(Array.from({ length: 4 }, () => fn(2000))); const c = process.cpuUsage(c0);
  console.log(name, ((c.user + c.system) / 8000).toFixed(1), 'µs/stmt');
}
await db.destroy();
