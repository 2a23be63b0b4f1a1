/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and tells where the self time went: the
 * hottest functions, and the time per package (`node_modules/<pkg>`, the gateway's own code,
 * Node internals, GC, idle).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time: total less `(idle)`. */
  busyMs: number;
  functions: { name: string; location: string; selfMs: number; pctOfBusy: number }[];
  packages: { name: string; selfMs: number; pctOfBusy: number }[];
}

function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (
      functionName === '(idle)' ||
      functionName === '(program)' ||
      functionName === '(garbage collector)'
    )
      return functionName;
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(src|resolvers|db)\//.exec(url);
  return own ? `gateway ${own[1]}/` : url;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, { name: string; location: string; us: number }>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = functionName || '(anonymous)';
    const shortUrl = url.replace(/^file:\/\/.*?\/(node_modules|bench\/\.build)\//, '$1/');
    const location = url ? `${shortUrl}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${location}`;
    const entry = byFunction.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const pct = (us: number) => Math.round((1000 * us) / busyUs) / 10;
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        name: f.name,
        location: f.location,
        selfMs: Math.round(f.us / 1000),
        pctOfBusy: pct(f.us),
      })),
    packages: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), pctOfBusy: pct(us) })),
  };
}

export function formatProfile(title: string, summary: ProfileSummary): string {
  const lines = [
    `${title}: ${summary.busyMs} ms busy of ${summary.totalMs} ms profiled`,
    '  by package (self time):',
  ];
  for (const p of summary.packages.slice(0, 12))
    lines.push(`    ${p.pctOfBusy.toFixed(1).padStart(5)}%  ${p.name}`);
  lines.push('  hottest functions (self time):');
  for (const f of summary.functions.slice(0, 15)) {
    lines.push(`    ${f.pctOfBusy.toFixed(1).padStart(5)}%  ${f.name}  ${f.location}`);
  }
  return lines.join('\n');
}
