import { describe, expect, it } from 'vitest';
import { tenantRowLoader } from '../../src/tenant-loaders.js';

interface Row {
  tenant_id: string;
  id: string;
  name: string;
}

/** A loader over fixed rows that counts its batch statements. */
function loaderOver(rows: Row[]) {
  const batches: string[][] = [];
  const loader = tenantRowLoader(async (tenantId, ids: readonly string[]) => {
    batches.push([...ids]);
    return rows.filter((row) => row.tenant_id === tenantId && ids.includes(row.id));
  });
  return { loader, batches };
}

/**
 * A loader whose one batch statement is held until `finish()`: every id it is asked for is
 * answered with a row named 'stored', as read when the statement started.
 */
function heldLoader() {
  let began!: () => void;
  const batchStarted = new Promise<void>((resolve) => (began = resolve));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const loader = tenantRowLoader(async (tenantId, ids: readonly string[]) => {
    began();
    await finished;
    return ids.map((id) => ({ tenant_id: tenantId, id, name: 'stored' }));
  });
  return { loader, started: () => batchStarted, finish };
}

describe('TenantLoader', () => {
  it('answers a primed value from get and load alike, also over a value loaded before', async () => {
    const { loader, batches } = loaderOver([{ tenant_id: 't', id: 'a', name: 'stored' }]);
    const key = { tenantId: 't', id: 'a' };
    expect(await loader.load(key)).toMatchObject({ name: 'stored' });
    loader.prime(key, { tenant_id: 't', id: 'a', name: 'written' });
    expect(loader.get(key)).toMatchObject({ name: 'written' });
    expect(await loader.load(key)).toMatchObject({ name: 'written' });
    expect(batches).toEqual([['a']]);
    // Cleared, it loads again.
    loader.clear(key);
    expect(await loader.load(key)).toMatchObject({ name: 'stored' });
    expect(batches).toEqual([['a'], ['a']]);
  });

  it('keeps a value primed while a load of its key is in flight over the batch’s older row', async () => {
    const { loader, started, finish } = heldLoader();
    const key = { tenantId: 't', id: 'a' };
    const inFlight = loader.load(key);
    await started();
    loader.prime(key, { tenant_id: 't', id: 'a', name: 'written' });
    finish();
    expect(await inFlight).toMatchObject({ name: 'written' });
    expect(loader.get(key)).toMatchObject({ name: 'written' });
    expect(await loader.load(key)).toMatchObject({ name: 'written' });
  });

  it('keeps a page’s rows primed while a load of their key is in flight', async () => {
    const { loader, started, finish } = heldLoader();
    const key = { tenantId: 't', id: 'b' };
    const inFlight = loader.load(key);
    await started();
    loader.primeRows('t', ['b'], [{ tenant_id: 't', id: 'b', name: 'paged' }]);
    finish();
    expect(await inFlight).toMatchObject({ name: 'paged' });
    expect(loader.get(key)).toMatchObject({ name: 'paged' });
  });

  it('forgets a key cleared while its load is in flight: the next load reads it again', async () => {
    // The stored row's name, changed by a "write"; the first statement is held once it has
    // read it.
    let stored = 'before';
    let began!: () => void;
    const started = new Promise<void>((resolve) => (began = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const batches: string[][] = [];
    const loader = tenantRowLoader(async (tenantId, ids: readonly string[]) => {
      const read = stored;
      batches.push([...ids]);
      if (batches.length === 1) {
        began();
        await held;
      }
      return ids.map((id) => ({ tenant_id: tenantId, id, name: read }));
    });
    const key = { tenantId: 't', id: 'a' };
    const inFlight = loader.load(key);
    await started;
    stored = 'after';
    loader.clear(key);
    release();
    // Asked before the write, the load answers what its statement read…
    expect(await inFlight).toMatchObject({ name: 'before' });
    // …but that older row is not kept: the next read sees the write.
    expect(await loader.load(key)).toMatchObject({ name: 'after' });
    expect(loader.get(key)).toMatchObject({ name: 'after' });
    expect(batches).toEqual([['a'], ['a']]);
  });

  it('takes a page’s rows for its keys: get answers them at once, load without a batch', async () => {
    const { loader, batches } = loaderOver([]);
    loader.primeRows('t', ['a', 'b', 'a'], [{ tenant_id: 't', id: 'a', name: 'A' }]);
    expect(loader.get({ tenantId: 't', id: 'a' })).toMatchObject({ name: 'A' });
    expect(loader.get({ tenantId: 't', id: 'b' })).toBeNull();
    expect(await loader.load({ tenantId: 't', id: 'b' })).toBeNull();
    // Another tenant's key is not answered by these rows.
    expect(loader.get({ tenantId: 'u', id: 'a' })).toBeInstanceOf(Promise);
    expect(batches).toEqual([]);
    await loader.load({ tenantId: 'u', id: 'a' });
    expect(batches).toEqual([['a']]);
  });
});
