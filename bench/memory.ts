/**
 * The parent's side of `memory-probe.cjs`: the node flag that preloads it into a server, and
 * one read of it over the IPC channel.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `node` flags that preload the probe (the child needs stdio `'ipc'`). */
export const PROBE_NODE_ARGS = [
  '-r',
  path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-probe.cjs'),
];

export interface ProbeSample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** Since the last reset: the kernel's peak RSS (VmHWM) and the largest sampled heapUsed. */
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** Heap used per V8 space (`old_space`, `code_space`, …). */
  heapSpacesMb: Record<string, number>;
  /**
   * Asked with `liveHeap`: what V8 kept after the full collections it ran by itself since the
   * previous such read (the smallest; its spaces), or null when it ran none.
   */
  liveHeap?: LiveHeap | null;
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
}

export interface LiveHeap {
  fullCollections: number;
  heapUsedMb: number;
  heapSpacesMb: Record<string, number>;
}

let nextId = 0;

/**
 * Asks the probe in `child` for its figures; `reset` starts a new peak and delay window;
 * `liveHeap` adds the heap after V8's own full collections since the previous such read.
 */
export function readProbe(
  child: ChildProcess,
  reset: boolean,
  liveHeap = false,
  timeoutMs = 5_000,
) {
  const id = ++nextId;
  return new Promise<ProbeSample>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the memory probe (pid ${child.pid}) did not answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const m = message as (ProbeSample & { probe?: string; id?: number }) | null;
      if (m?.probe !== 'sample' || m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      const { probe: _probe, id: _id, ...sample } = m;
      resolve(sample);
    };
    child.on('message', onMessage);
    child.send({ probe: 'read', id, reset, liveHeap });
  });
}
