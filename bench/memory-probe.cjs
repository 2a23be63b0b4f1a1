// Preloaded (`node -r`) into a server that the bench or the soak measures, both servers alike.
// It answers `{ probe: 'read', reset, liveHeap }` on the IPC channel (spawn with stdio 'ipc')
// with the process's memory and event-loop delay since the last reset:
//   rssMb / heapUsedMb / heapTotalMb / externalMb: now (heap used includes garbage not yet
//   collected);
//   liveHeap (asked with `liveHeap: true`): the heap V8 kept after each full collection it ran
//   by itself since the previous such read (`v8.GCProfiler`), the smallest of them, or null when
//   it ran none. The probe never forces a collection: a forced one (`global.gc()`) throws away
//   compiled code, so a process collected every few seconds keeps re-optimising its hot
//   functions (bench/README.md, Soak) and is not the process being measured;
//   peakRssMb: the kernel's exact peak (VmHWM; a reset writes 5 to /proc/self/clear_refs);
//   peakHeapUsedMb: the largest heapUsed of the samples taken every PROBE_SAMPLE_MS (50 ms);
//   eventLoopDelayMs: p50 / p99 / max / mean of perf_hooks' monitorEventLoopDelay (10 ms
//   resolution), the delay a timer saw beyond its due time.
// Without an IPC channel it does nothing. The channel is unref'd: it never keeps the process up.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { readFileSync, writeFileSync } = require('node:fs');

if (typeof process.send === 'function') {
  const MB = 1024 * 1024;
  const sampleMs = Number(process.env.PROBE_SAMPLE_MS) || 50;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let peakHeapUsed = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.heapUsed > peakHeapUsed) peakHeapUsed = m.heapUsed;
    if (m.rss > peakRss) peakRss = m.rss;
    return m;
  };
  const vmHwm = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      return match ? (Number(match[1]) * 1024) / MB : null;
    } catch {
      return null;
    }
  };
  const reset = () => {
    peakHeapUsed = 0;
    peakRss = 0;
    delay.reset();
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      // Not Linux, or not permitted: the sampled peak stands in.
    }
    sample();
  };
  setInterval(sample, sampleMs).unref();
  const v8 = require('node:v8');
  const round = (v) => Math.round(v * 10) / 10;
  /** Started by the first read that asks for the live heap; the bench never does. */
  let gcProfiler = null;
  const liveHeapSinceLastRead = () => {
    const statistics = gcProfiler ? gcProfiler.stop().statistics : [];
    gcProfiler = new v8.GCProfiler();
    gcProfiler.start();
    const after = statistics
      .filter((gc) => gc.gcType === 'MarkSweepCompact')
      .map((gc) => gc.afterGC);
    if (after.length === 0) return null;
    const least = after.reduce((a, b) =>
      b.heapStatistics.usedHeapSize < a.heapStatistics.usedHeapSize ? b : a,
    );
    return {
      fullCollections: after.length,
      heapUsedMb: round(least.heapStatistics.usedHeapSize / MB),
      heapSpacesMb: Object.fromEntries(
        least.heapSpaceStatistics.map((space) => [
          space.spaceName,
          round(space.spaceUsedSize / MB),
        ]),
      ),
    };
  };
  process.on('message', (message) => {
    if (message && message.probe === 'snapshot') {
      // A heap snapshot for finding what holds memory (written synchronously; pauses the process).
      process.send({ probe: 'snapshot', file: require('node:v8').writeHeapSnapshot(message.file) });
      return;
    }
    if (!message || message.probe !== 'read') return;
    const m = sample();
    const ns = (v) => round(v / 1e6);
    const hwm = vmHwm();
    const answer = {
      probe: 'sample',
      id: message.id,
      rssMb: round(m.rss / MB),
      heapUsedMb: round(m.heapUsed / MB),
      heapTotalMb: round(m.heapTotal / MB),
      externalMb: round(m.external / MB),
      peakRssMb: round(Math.max(hwm ?? 0, peakRss / MB)),
      peakHeapUsedMb: round(peakHeapUsed / MB),
      // Heap used per V8 space: tells live objects (old space) from compiled code (code space).
      heapSpacesMb: Object.fromEntries(
        v8
          .getHeapSpaceStatistics()
          .map((space) => [space.space_name, round(space.space_used_size / MB)]),
      ),
      ...(message.liveHeap ? { liveHeap: liveHeapSinceLastRead() } : {}),
      eventLoopDelayMs: {
        p50: ns(delay.percentile(50)),
        p99: ns(delay.percentile(99)),
        max: ns(delay.max),
        mean: ns(delay.mean),
      },
    };
    if (message.reset) reset();
    process.send(answer);
  });
  process.channel?.unref();
}
