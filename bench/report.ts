/** Aggregation of the rounds into medians and ratios, and the table (text and Markdown). */
import type { LoadResult } from './load.js';
import type { ScenarioId } from './scenarios.js';

export type Target = 'gateway' | 'baseline';

export interface RunRecord {
  round: number;
  scenario: ScenarioId;
  kind: 'mutation' | 'read';
  concurrency: number;
  target: Target;
  /** Whether this target ran first in its pair (the order alternates between rounds). */
  first: boolean;
  result: LoadResult;
  /** Share of the machine's CPU time that was busy during the run (all processes). */
  machineBusyPct: number;
  /** CPU time of the bench process (the load generator) per request. */
  benchCpuMsPerRequest: number;
  /** CPU time of the database's PostgreSQL backends per request (NaN when not visible). */
  pgCpuMsPerRequest: number;
}

export interface TargetSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  /** PostgreSQL's CPU per request (the database's backends; NaN when not visible). */
  pgCpuMsPerRequest: number;
  statementsPerRequest: number | null;
  errors: number;
  non2xx: number;
  badResponses: number;
  requests: number;
  bytesPerRequest: number;
}

export interface ScenarioSummary {
  scenario: ScenarioId;
  kind: 'mutation' | 'read';
  concurrency: number;
  /** Median over the rounds of gateway req/s ÷ baseline req/s of the same round. */
  ratio: number;
  /** Median over the rounds of gateway CPU per request ÷ baseline CPU per request. */
  cpuRatio: number;
  perRoundRatios: number[];
  perRoundCpuRatios: number[];
  /** Medians over the rounds. */
  gateway: TargetSummary;
  baseline: TargetSummary;
}

export const median = (values: number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function summarize(
  runs: RunRecord[],
  statements: Partial<Record<ScenarioId, { gateway: number; baseline: number }>>,
): ScenarioSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.scenario}\u0000${r.concurrency}`))];
  return keys.map((key) => {
    const [scenario, c] = key.split('\u0000') as [ScenarioId, string];
    const concurrency = Number(c);
    const mine = runs.filter((r) => r.scenario === scenario && r.concurrency === concurrency);
    const rounds = [...new Set(mine.map((r) => r.round))];
    const perRoundRatios: number[] = [];
    const perRoundCpuRatios: number[] = [];
    for (const round of rounds) {
      const gw = mine.find((r) => r.round === round && r.target === 'gateway');
      const base = mine.find((r) => r.round === round && r.target === 'baseline');
      if (!gw || !base) continue;
      perRoundRatios.push(gw.result.rps / base.result.rps);
      perRoundCpuRatios.push(gw.result.cpuMsPerRequest / base.result.cpuMsPerRequest);
    }
    const target = (t: Target): TargetSummary => {
      const own = mine.filter((r) => r.target === t);
      const list = own.map((r) => r.result);
      return {
        rps: median(list.map((r) => r.rps)),
        p50Ms: median(list.map((r) => r.p50Ms)),
        p99Ms: median(list.map((r) => r.p99Ms)),
        cpuMsPerRequest: median(list.map((r) => r.cpuMsPerRequest)),
        pgCpuMsPerRequest: median(own.map((r) => r.pgCpuMsPerRequest)),
        statementsPerRequest: statements[scenario]?.[t] ?? null,
        errors: sum(list.map((r) => r.errors)),
        non2xx: sum(list.map((r) => r.non2xx)),
        badResponses: sum(list.map((r) => r.badResponses)),
        requests: sum(list.map((r) => r.requests)),
        bytesPerRequest: median(list.map((r) => r.bytesPerRequest)),
      };
    };
    return {
      scenario,
      kind: mine[0].kind,
      concurrency,
      ratio: median(perRoundRatios),
      cpuRatio: median(perRoundCpuRatios),
      perRoundRatios,
      perRoundCpuRatios,
      gateway: target('gateway'),
      baseline: target('baseline'),
    };
  });
}

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
const fmtInt = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';

export interface TableRow {
  cells: string[];
}

export const TABLE_HEADER = [
  'scenario',
  'c',
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'ratio',
  'CPU ms/req',
  'CPU ratio',
  'PG CPU ms/req',
  'stmts/req',
  'errors',
  'non-2xx',
];

export function tableRows(summaries: ScenarioSummary[]): string[][] {
  const rows: string[][] = [];
  for (const s of summaries) {
    for (const t of ['gateway', 'baseline'] as const) {
      const x = s[t];
      rows.push([
        t === 'gateway' ? s.scenario : '',
        t === 'gateway' ? String(s.concurrency) : '',
        t,
        fmtInt(x.rps),
        fmt(x.p50Ms),
        fmt(x.p99Ms),
        t === 'gateway' ? fmt(s.ratio) : '1.00',
        fmt(x.cpuMsPerRequest, 3),
        t === 'gateway' ? fmt(s.cpuRatio) : '1.00',
        fmt(x.pgCpuMsPerRequest, 3),
        x.statementsPerRequest === null ? '—' : String(x.statementsPerRequest),
        String(x.errors + x.badResponses),
        String(x.non2xx),
      ]);
    }
  }
  return rows;
}

export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i >= 3 || i === 1;
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i >= 3 || i === 1 ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

export { fmt };
