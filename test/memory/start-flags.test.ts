import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { START_ARGS, START_PROD_FLAGS } from '../../bench/start-flags.js';

/**
 * The start scripts run node with V8 flags for memory and CPU (README, Memory). A V8 flag can
 * be renamed or dropped in a later Node, and node then refuses to start at all: this fails
 * first, with node's own message.
 */
describe('the start scripts’ node flags', () => {
  const flagsOfStart = START_ARGS.filter((a) => a.startsWith('-'));

  it.each([
    ['start:prod', START_PROD_FLAGS],
    ['start', flagsOfStart],
  ])('%s: this node accepts every flag and applies the heap bounds', (_name, flags) => {
    expect(flags.length).toBeGreaterThan(0);
    const run = spawnSync(
      process.execPath,
      [
        ...flags,
        '-e',
        'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))',
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // --max-old-space-size=128 (plus the young generation): well under V8's default limit.
    expect(Number(run.stdout) / 2 ** 20).toBeLessThan(256);
  });

  it('start:prod collects the old generation at twice what survived, not V8’s small-heap factor', () => {
    expect(START_PROD_FLAGS).toContain('--heap-growing-percent=100');
  });

  it('a flag this node does not know is refused, so the check above can fail', () => {
    const run = spawnSync(process.execPath, ['--no-such-v8-flag-here', '-e', '0'], {
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/bad option|no-such-v8-flag/);
  });
});
