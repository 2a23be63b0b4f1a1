import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueJob, lockDatabaseConnection, startJob } from '../../db/queries/databases.js';
import { createDatabaseConnection } from '../../src/demo/builders.js';
import { expectTypename, getHarness } from '../helpers/harness.js';
import { addJob, dbSnapshot, dbWorld, patchDb } from '../helpers/databases.js';
import { closeSecondGateway, GATEWAY_SPREADS } from '../helpers/server.js';

afterAll(closeSecondGateway);

const onServer = !!process.env.TEST_DATABASE_URL;

/** A promise plus a way to learn whether it has settled yet. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false };
  const tracked = promise.finally(() => {
    state.settled = true;
  });
  return { promise: tracked, state };
}

/** A gate a held-open transaction waits on. */
function gate() {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => (open = resolve));
  return { closed, open };
}

describe('patchDatabaseConnection: ACTIVE_JOBS', () => {
  it('QUEUED and RUNNING jobs refuse the patch with their ids; nothing is written', async () => {
    const w = await dbWorld();
    const running = await addJob(w.tenantId, w.connectionId, 'RUNNING');
    const queued = await addJob(w.tenantId, w.connectionId, 'QUEUED');
    for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED'])
      await addJob(w.tenantId, w.connectionId, status);
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const r = await patchDb(w.connectionId, { port: 1, password: 'changed' }, w.admin);
    expect(expectTypename(r, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'ACTIVE_JOBS',
      activeJobIds: [running, queued].sort(),
      currentVersion: null,
    });
    expect(r.message).toBe('The connection is used by 2 queued or running job(s).');
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('refuses even a patch that would change nothing', async () => {
    const w = await dbWorld();
    const job = await addJob(w.tenantId, w.connectionId, 'QUEUED');
    const r = await patchDb(w.connectionId, { port: 5432 }, w.admin);
    expect(expectTypename(r, 'ConflictError')).toMatchObject({
      reason: 'ACTIVE_JOBS',
      activeJobIds: [job],
    });
  });

  it('finished jobs and jobs of other connections do not count; a finished job frees the connection', async () => {
    const { database } = await getHarness();
    const w = await dbWorld({ connections: 2 });
    await addJob(w.tenantId, w.connectionIds[1], 'RUNNING');
    const job = await addJob(w.tenantId, w.connectionId, 'RUNNING');
    expectTypename(await patchDb(w.connectionId, { port: 1 }, w.admin), 'ConflictError');
    await database.db
      .updateTable('database_jobs')
      .set({ status: 'SUCCEEDED' })
      .where('id', '=', job)
      .execute();
    const r = await patchDb(w.connectionId, { port: 1 }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      port: 1,
      version: 2,
      activeJobs: [],
    });
  });
});

describe('the job writers of the locking protocol', () => {
  it('enqueueJob inserts a QUEUED job and startJob moves it to RUNNING; both then block a patch', async () => {
    const { database } = await getHarness();
    const w = await dbWorld();
    const jobId = randomUUID();
    const queued = await database.db
      .transaction()
      .execute((trx) => enqueueJob(trx, w.tenantId, w.connectionId, jobId));
    expect(queued).toMatchObject({
      id: jobId,
      tenant_id: w.tenantId,
      connection_id: w.connectionId,
      status: 'QUEUED',
    });
    const started = await database.db
      .transaction()
      .execute((trx) => startJob(trx, w.tenantId, w.connectionId, jobId));
    expect(started).toMatchObject({ id: jobId, status: 'RUNNING' });
    const fresh = randomUUID();
    const inserted = await database.db
      .transaction()
      .execute((trx) => startJob(trx, w.tenantId, w.connectionId, fresh));
    expect(inserted).toMatchObject({ id: fresh, status: 'RUNNING' });
    const r = await patchDb(w.connectionId, { port: 1 }, w.admin);
    expect(expectTypename(r, 'ConflictError').activeJobIds).toEqual([jobId, fresh].sort());
  });

  it('write no job for a connection outside the tenant, nor restart a job of another connection', async () => {
    const { database } = await getHarness();
    const w = await dbWorld({ connections: 2 });
    const other = await dbWorld();
    const none = await database.db
      .transaction()
      .execute((trx) => startJob(trx, w.tenantId, other.connectionId, randomUUID()));
    expect(none).toBeUndefined();
    const noneQueued = await database.db
      .transaction()
      .execute((trx) => enqueueJob(trx, w.tenantId, randomUUID(), randomUUID()));
    expect(noneQueued).toBeUndefined();
    const done = await addJob(w.tenantId, w.connectionIds[1], 'SUCCEEDED');
    const hijack = await database.db
      .transaction()
      .execute((trx) => startJob(trx, w.tenantId, w.connectionId, done));
    expect(hijack).toBeUndefined();
    expect((await dbSnapshot(w.tenantId, w.connectionIds[1])).jobs).toMatchObject([
      { id: done, status: 'SUCCEEDED' },
    ]);
    expect((await dbSnapshot(other.tenantId, other.connectionId)).jobs).toEqual([]);
  });
});

describe('concurrency (PostgreSQL server only)', () => {
  it.skipIf(!onServer)(
    'a patch waits for a job-start transaction holding the row FOR SHARE, then answers ACTIVE_JOBS with that job',
    async () => {
      const { database } = await getHarness();
      const w = await dbWorld();
      const before = await dbSnapshot(w.tenantId, w.connectionId);
      const jobId = randomUUID();
      const hold = gate();
      const locked = gate();
      const jobTx = database.db.transaction().execute(async (trx) => {
        const job = await startJob(trx, w.tenantId, w.connectionId, jobId);
        locked.open();
        await hold.closed;
        return job;
      });
      await locked.closed;

      const patch = track(patchDb(w.connectionId, { port: 1, name: 'renamed-meanwhile' }, w.admin));
      await sleep(300);
      expect(patch.state.settled).toBe(false);
      hold.open();
      expect(await jobTx).toMatchObject({ id: jobId, status: 'RUNNING' });

      const r = await patch.promise;
      expect(expectTypename(r, 'ConflictError')).toMatchObject({
        reason: 'ACTIVE_JOBS',
        activeJobIds: [jobId],
      });
      const after = await dbSnapshot(w.tenantId, w.connectionId);
      expect(after.row).toEqual(before.row);
      expect(after.events).toEqual([]);
      expect(after.jobs).toMatchObject([{ id: jobId, status: 'RUNNING' }]);
    },
  );

  it.skipIf(!onServer)(
    'restarting a finished job (an UPDATE, which takes no foreign-key lock) also makes a concurrent patch wait',
    async () => {
      const { database } = await getHarness();
      const w = await dbWorld();
      const jobId = await addJob(w.tenantId, w.connectionId, 'FAILED');
      const before = await dbSnapshot(w.tenantId, w.connectionId);
      const hold = gate();
      const locked = gate();
      const jobTx = database.db.transaction().execute(async (trx) => {
        await startJob(trx, w.tenantId, w.connectionId, jobId);
        locked.open();
        await hold.closed;
      });
      await locked.closed;
      const patch = track(patchDb(w.connectionId, { port: 1 }, w.admin));
      await sleep(300);
      expect(patch.state.settled).toBe(false);
      hold.open();
      await jobTx;
      expect(expectTypename(await patch.promise, 'ConflictError')).toMatchObject({
        reason: 'ACTIVE_JOBS',
        activeJobIds: [jobId],
      });
      expect((await dbSnapshot(w.tenantId, w.connectionId)).row).toEqual(before.row);
    },
  );

  it.skipIf(!onServer)(
    'a job start waits while a patch holds the row FOR UPDATE, and runs once the patch commits',
    async () => {
      const { database } = await getHarness();
      const w = await dbWorld();
      const hold = gate();
      const locked = gate();
      const patchTx = database.db.transaction().execute(async (trx) => {
        const row = await lockDatabaseConnection(trx, [w.tenantId], w.connectionId);
        locked.open();
        await hold.closed;
        await trx
          .updateTable('database_connections')
          .set({ port: 1111 })
          .where('id', '=', row!.id)
          .execute();
      });
      await locked.closed;

      const jobId = randomUUID();
      const job = track(
        database.db
          .transaction()
          .execute((trx) => startJob(trx, w.tenantId, w.connectionId, jobId)),
      );
      await sleep(300);
      expect(job.state.settled).toBe(false);
      expect((await dbSnapshot(w.tenantId, w.connectionId)).jobs).toEqual([]);
      hold.open();
      await patchTx;
      expect(await job.promise).toMatchObject({ id: jobId, status: 'RUNNING' });
      expect((await dbSnapshot(w.tenantId, w.connectionId)).row!.port).toBe(1111);
    },
  );

  it.skipIf(!onServer)(
    'two concurrent renames of two connections to the same name (on one gateway, and on two): exactly one succeeds, the other is NAME_TAKEN',
    async () => {
      for (let round = 0; round < 10; round++) {
        const [, on] = GATEWAY_SPREADS[round % 2];
        const w = await dbWorld({ connections: 2 });
        const name = `contested-${round}`;
        const results = await Promise.all([
          patchDb(w.connectionIds[0], { name }, w.admin, on(0)),
          patchDb(w.connectionIds[1], { name: name.toUpperCase() }, w.admin, on(1)),
        ]);
        const kinds = results
          .map((r) => (r.__typename === 'ConflictError' ? r.reason : r.__typename))
          .sort();
        expect(kinds).toEqual(['NAME_TAKEN', 'PatchDatabaseConnectionSuccess']);
        const { database } = await getHarness();
        const names = await database.db
          .selectFrom('database_connections')
          .select('name')
          .where('tenant_id', '=', w.tenantId)
          .execute();
        expect(names.filter((n) => n.name.toLowerCase() === name)).toHaveLength(1);
      }
    },
  );

  it.skipIf(!onServer)(
    'a unique violation from a writer that skips the name lock is still reported as NAME_TAKEN',
    async () => {
      const { database, secrets } = await getHarness();
      const w = await dbWorld();
      const before = await dbSnapshot(w.tenantId, w.connectionId);
      const hold = gate();
      const inserted = gate();
      const insertTx = database.db.transaction().execute(async (trx) => {
        await createDatabaseConnection(trx, secrets, { tenantId: w.tenantId, name: 'Sneaky-Name' });
        inserted.open();
        await hold.closed;
      });
      await inserted.closed;
      const patch = track(patchDb(w.connectionId, { name: 'sneaky-name' }, w.admin));
      await sleep(300);
      // The uncommitted row is invisible to the check; the unique index makes the UPDATE wait.
      expect(patch.state.settled).toBe(false);
      hold.open();
      await insertTx;
      expect(expectTypename(await patch.promise, 'ConflictError')).toMatchObject({
        reason: 'NAME_TAKEN',
      });
      expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
    },
  );
});
