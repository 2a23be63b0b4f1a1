import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBE_NODE_ARGS, readProbe } from '../../bench/memory.js';

/**
 * The memory probe the bench and the soak preload into the servers they measure. The soak
 * judges leaks by its live heap: what V8 kept after the full collections it ran by itself,
 * never a collection the probe forced (a forced one throws away compiled code).
 */
describe('the memory probe', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  /** A process that keeps ~8 MB alive and, on a message, churns enough old objects for V8's own full collections. */
  const start = () => {
    const script = `
      const kept = Array.from({ length: 80_000 }, (_, i) => ({ i, s: 'x'.repeat(64) + i }));
      let churn = [];
      process.on('message', (m) => {
        if (m !== 'churn') return;
        for (let round = 0; round < 40; round++) {
          churn = Array.from({ length: 100_000 }, (_, i) => ({ i, round }));
        }
        process.send('churned');
      });
      setInterval(() => kept.length, 1000);`;
    child = spawn(process.execPath, [...PROBE_NODE_ARGS, '--max-old-space-size=64', '-e', script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return child;
  };
  const churn = (c: ChildProcess) =>
    new Promise<void>((resolve) => {
      c.on('message', (m) => m === 'churned' && resolve());
      c.send('churn');
    });

  it('reports the heap after V8’s own full collections since the previous read, and null when it ran none', async () => {
    const c = start();
    // The first read starts watching collections: none were seen yet.
    expect((await readProbe(c, false, true)).liveHeap).toBeNull();
    // Nothing allocated since: still none.
    expect((await readProbe(c, false, true)).liveHeap).toBeNull();
    await churn(c);
    const { liveHeap, heapUsedMb } = await readProbe(c, false, true);
    expect(liveHeap?.fullCollections).toBeGreaterThan(0);
    // It holds at least what the process keeps alive (~8 MB) and no more than the heap.
    expect(liveHeap!.heapUsedMb).toBeGreaterThan(5);
    expect(liveHeap!.heapSpacesMb.old_space).toBeGreaterThan(5);
    expect(liveHeap!.heapUsedMb).toBeLessThan(64);
    expect(heapUsedMb).toBeGreaterThan(0);
  });

  it('leaves the live heap out unless asked, and never forces a collection', async () => {
    const c = start();
    const sample = await readProbe(c, false);
    expect(sample).not.toHaveProperty('liveHeap');
    // Reading with `liveHeap` twice in a row sees no collection in between: the reads ran none.
    await readProbe(c, false, true);
    expect((await readProbe(c, false, true)).liveHeap).toBeNull();
  });
});
