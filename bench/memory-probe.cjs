// Preloaded (`node -r`) into a server that the bench or the soak measures, both servers alike.
// It answers `{ probe: 'read', reset, gc }` on the IPC channel (spawn with stdio 'ipc') with the
// process's memory and event-loop delay since the last reset:
//   rssMb / heapUsedMb / heapTotalMb / externalMb: now;
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
  process.on('message', (message) => {
    if (message && message.probe === 'snapshot') {
      // A heap snapshot for finding what holds memory (written synchronously; pauses the process).
      process.send({ probe: 'snapshot', file: require('node:v8').writeHeapSnapshot(message.file) });
      return;
    }
    if (!message || message.probe !== 'read') return;
    // `gc: true` (and node --expose-gc): a full collection first, so heapUsed is the live heap.
    if (message.gc && typeof global.gc === 'function') global.gc();
    const m = sample();
    const round = (v) => Math.round(v * 10) / 10;
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
        require('node:v8')
          .getHeapSpaceStatistics()
          .map((space) => [space.space_name, round(space.space_used_size / MB)]),
      ),
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
