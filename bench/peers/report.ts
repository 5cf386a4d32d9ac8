// The table of `npm run bench:peers`: medians over runs per system, client and workload; the ratio
// Eddy (fsync=always) / best peer computed within each run and then its median; the targets of the
// benchmark issue; optionally written into BENCHMARKS.md and docs/bench-peers.svg.

import { readFileSync, writeFileSync } from 'node:fs';
import type { MachineLimits } from './limits.ts';
import type { ServerSpec } from './types.ts';

export interface Row {
  run: number;
  server: string;
  client: string;
  workload: string;
  library?: string;
  skipped?: string;
  /** The row's client or server broke (first line of the error): the run went on without it. */
  failed?: string;
  events?: number;
  eventsPerSec?: number;
  mbPerSec?: number;
  serverCpuUsPerEvent?: number;
  serverCpuPct?: number;
  clientCpuPct?: number;
  serverMaxRssMB?: number;
  attachMs?: number;
  latency?: { p50: number; p99: number; p999: number; max: number; samples: number; ackP50: number; ackP99: number };
}

/** Reasons of skipped rows, kept so that saved results render (`--report`). */
const skipReasons: Record<string, string> = {
  'sdk-consume': 'not run: the SDK consumer reads 15–20 k events/s today (issue #4); these rows would take minutes',
};

/** Throughput workloads: [name, what, multiple of the best peer, absolute floor]. */
const throughput: [string, string, number, number][] = [
  ['P100', 'publish 1,000,000 × 100 B', 5, 500_000],
  ['P1k', 'publish 200,000 × 1 KiB', 2, 160_000],
  ['C100', 'consume them from the start', 3, 800_000],
  ['C1k', 'consume them from the start', 2, 300_000],
  ['F', 'fan-out: 4 groups each read P1k (deliveries/s)', 3, 0],
];

const isEddy = (r: Row) => r.server === 'eddy-always';
const isPeer = (r: Row) => !r.server.startsWith('eddy');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number) => (Number.isNaN(x) ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${Math.round(x / 1e3)} k` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : String(Math.round(x * 100) / 100));
/** Three significant digits (medians of two runs are means: no float noise in the table). */
const sig = (x: number) => (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(3)) : x);
const ratio = (x: number) => (Number.isNaN(x) ? '–' : `${x.toFixed(2)}×`);

export function report(rows: Row[], limits: MachineLimits, meta: { runs: number; quick: boolean; machine: string }, servers: ServerSpec[]) {
  const runs = [...new Set(rows.map((r) => r.run))];
  const key = (r: Row) => `${r.server}|${r.client}`;
  const systems = [...new Set(rows.map(key))];
  const pick = (run: number, workload: string, f: (r: Row) => boolean) => rows.filter((r) => r.run === run && r.workload === workload && f(r) && !r.skipped && !r.failed);
  const best = (rs: Row[], v: (r: Row) => number, lower = false) => rs.reduce<Row | null>((b, r) => (b === null || (lower ? v(r) < v(b) : v(r) > v(b)) ? r : b), null);
  const lines: string[] = [];

  // Summary: one line per target.
  lines.push('| Workload | Target | Eddy fsync=always, best Node client | Eddy, raw load generator | Best peer | Eddy / best peer (client · raw) | Met |');
  lines.push('|---|---|---|---|---|---|---|');
  const chart: ChartItem[] = [];
  for (const [w, what, mult, floor] of throughput) {
    const eps = (r: Row) => r.eventsPerSec ?? 0;
    const perRun = runs.map((run) => {
      const e = best(pick(run, w, (r) => isEddy(r) && r.client !== 'raw'), eps);
      const raw = best(pick(run, w, (r) => isEddy(r) && r.client === 'raw'), eps);
      const p = best(pick(run, w, isPeer), eps);
      return { e, raw, p, ratio: e && p ? eps(e) / eps(p) : NaN, rawRatio: raw && p ? eps(raw) / eps(p) : NaN };
    });
    const eMed = median(perRun.filter((x) => x.e).map((x) => eps(x.e!)));
    const rawMed = median(perRun.filter((x) => x.raw).map((x) => eps(x.raw!)));
    const pMed = median(perRun.filter((x) => x.p).map((x) => eps(x.p!)));
    const rMed = median(perRun.map((x) => x.ratio).filter((x) => !Number.isNaN(x)));
    const rawR = median(perRun.map((x) => x.rawRatio).filter((x) => !Number.isNaN(x)));
    const met = !Number.isNaN(rMed) && rMed >= mult && eMed >= floor;
    chart.push({ name: w, ratio: rMed, raw: rawR, target: mult });
    lines.push(`| ${w}: ${what} | ≥ ${mult}× best peer${floor ? `, ≥ ${fmt(floor)}/s` : ''} | ${fmt(eMed)}/s (${who(perRun.map((x) => x.e))}) | ${fmt(rawMed)}/s | ${fmt(pMed)}/s (${who(perRun.map((x) => x.p))}) | ${ratio(rMed)} · ${ratio(rawR)} | ${met ? 'yes' : '**no**'} |`);
  }
  for (const [q, target, abs] of [['p99', 'p99 ≤ best peer p99', 2], ['p999', 'p99.9 ≤ 5 ms', 5]] as const) {
    const v = (r: Row) => r.latency?.[q] ?? Infinity;
    const perRun = runs.map((run) => {
      const e = best(pick(run, 'L', (r) => isEddy(r)), v, true);
      const p = best(pick(run, 'L', isPeer), v, true);
      return { e, p, ratio: e && p ? v(e) / v(p) : NaN };
    });
    const eMed = median(perRun.filter((x) => x.e).map((x) => v(x.e!)));
    const pMed = median(perRun.filter((x) => x.p).map((x) => v(x.p!)));
    const rMed = median(perRun.map((x) => x.ratio).filter((x) => !Number.isNaN(x)));
    const met = q === 'p99' ? rMed <= 1 && eMed <= abs : eMed <= abs;
    chart.push({ name: `L ${q === 'p99' ? 'p99' : 'p99.9'}`, ratio: 1 / rMed, raw: NaN, target: 1 });
    lines.push(`| L ${q === 'p99' ? 'p99' : 'p99.9'}: 1 KiB at 5,000/s for 10 s, send → receive | ${target}${q === 'p99' ? ', ≤ 2 ms' : ''} | ${sig(eMed)} ms (${who(perRun.map((x) => x.e))}) | – | ${sig(pMed)} ms (${who(perRun.map((x) => x.p))}) | ${ratio(rMed)} | ${met ? 'yes' : '**no**'} |`);
  }
  const summary = lines.join('\n');

  // Detail: every system and client, medians over runs.
  const detail: string[] = [];
  detail.push('| Workload | System (client) | events/s | MB/s | server CPU µs/event | server CPU % | client CPU % | server max RSS MB | latency p50 / p99 / p99.9 / max ms (publish ack p50 / p99) |');
  detail.push('|---|---|---|---|---|---|---|---|---|');
  for (const w of ['P100', 'C100', 'P1k', 'C1k', 'F', 'L']) {
    for (const s of systems) {
      const all = rows.filter((r) => r.workload === w && key(r) === s);
      if (all.length === 0) continue;
      const [server, client] = s.split('|');
      const failures = all.filter((r) => r.failed);
      const rs = all.filter((r) => !r.failed);
      const failedNote = failures.map((r) => `failed in run ${r.run}: ${r.failed}`).join('; ');
      const label = `${server} · ${client} (${rs[0]?.library ?? client})${rs.length > 0 && failures.length > 0 ? ` — ${failedNote}` : ''}`;
      if (rs.length === 0) {
        detail.push(`| ${w} | ${label} | ${failedNote} | | | | | | |`);
        continue;
      }
      if (rs[0]!.skipped) {
        detail.push(`| ${w} | ${label} | ${skipReasons[rs[0]!.skipped] ?? rs[0]!.skipped} | | | | | | |`);
        continue;
      }
      const m = (f: (r: Row) => number | undefined) => sig(median(rs.map(f).filter((x): x is number => x !== undefined)));
      const lat = rs[0]!.latency ? `${m((r) => r.latency?.p50)} / ${m((r) => r.latency?.p99)} / ${m((r) => r.latency?.p999)} / ${m((r) => r.latency?.max)} (ack ${m((r) => r.latency?.ackP50)} / ${m((r) => r.latency?.ackP99)})` : '';
      detail.push(`| ${w} | ${label} | ${w === 'L' ? '' : fmt(m((r) => r.eventsPerSec))} | ${w === 'L' ? '' : m((r) => r.mbPerSec)} | ${m((r) => r.serverCpuUsPerEvent)} | ${m((r) => r.serverCpuPct)} | ${m((r) => r.clientCpuPct)} | ${m((r) => r.serverMaxRssMB)} | ${lat} |`);
    }
  }
  const machine = `Machine: ${meta.machine}. Limits measured in the same run: ${limits.fio} sequential write with fdatasync per 64 KiB ${limits.fioSeq64kMBps} MB/s (fdatasync p50 ${limits.fdatasyncP50Ms} ms), per 1 MiB ${limits.fioSeq1mMBps} MB/s; one Node socket over loopback ${limits.loopbackMBps} MB/s${limits.echoP99Ms === undefined ? '' : `; 1 KiB at 5,000/s through a Node echo process (the latency floor) p50 ${limits.echoP50Ms} / p99 ${limits.echoP99Ms} / p99.9 ${limits.echoP999Ms} ms`}.`;
  const versions = `Systems: ${servers.map((s) => s.describe).join('; ')}.`;
  const runsLine = `${meta.runs} run(s)${meta.quick ? ' in --quick mode (1/50 of the counts: not a measurement)' : ''}; medians; ratios taken within each run, then the median.`;
  const table = [versions, machine, runsLine, '', summary, '', detail.join('\n')].join('\n');

  return {
    table,
    write() {
      const date = new Date().toISOString().slice(0, 10);
      const section = [
        '<!-- bench:peers:begin (written by `npm run bench:peers -- --write`) -->',
        `### Side by side with NATS JetStream, RabbitMQ and Redis Streams (${date})`,
        '',
        'Command: `npm run bench:peers -- --write` (each system started by the harness on 127.0.0.1 with durable storage, driven by its own Node.js client from separate client processes).',
        '',
        table,
        '',
        '![Eddy / best peer, per workload](docs/bench-peers.svg)',
        '<!-- bench:peers:end -->',
      ].join('\n');
      const file = new URL('../../BENCHMARKS.md', import.meta.url);
      const text = readFileSync(file, 'utf8');
      const re = /<!-- bench:peers:begin[\s\S]*?<!-- bench:peers:end -->/;
      writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`);
      writeFileSync(new URL('../../docs/bench-peers.svg', import.meta.url), svg(chart));
    },
  };
}

/** The system that was best in most runs, named as the table names it. */
function who(best: (Row | null)[]): string {
  return mostCommon(best.filter((r): r is Row => r !== null).map((r) => (r.server.startsWith('eddy') ? r.client : `${r.server} (${r.client})`)));
}

function mostCommon(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '–';
}

interface ChartItem {
  name: string;
  /** Eddy's best Node client / best peer (latency: best peer / Eddy). */
  ratio: number;
  /** Eddy with the raw load generator / best peer (NaN when not measured). */
  raw: number;
  target: number;
}

/** Horizontal bars per workload: Eddy's best Node client and the raw load generator against the best peer; ticks are the targets. */
function svg(items: ChartItem[]): string {
  const w = 680;
  const left = 110;
  const rowH = 40;
  const h = 50 + items.length * rowH + 30;
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  const max = Math.max(6, ...items.map((i) => Math.max(finite(i.ratio), finite(i.raw), i.target))) * 1.08;
  const x = (v: number) => Math.round(left + ((w - left - 60) * v) / max);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="18" font-size="14">Eddy (fsync=always) ÷ best peer, higher is better (latency inverted); black ticks = targets</text>`,
    `<text x="10" y="36" fill="#555">thick bar: Eddy with its best Node client (green = target met); thin grey bar: Eddy with the raw load generator</text>`,
  ];
  items.forEach((it, i) => {
    const y = 50 + i * rowH;
    const r = finite(it.ratio);
    parts.push(`<text x="10" y="${y + 15}">${it.name}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(r) - left)}" height="20" fill="${r >= it.target ? '#2e7d32' : '#c62828'}"/>`);
    parts.push(`<text x="${x(r) + 4}" y="${y + 15}">${r.toFixed(2)}×</text>`);
    if (Number.isFinite(it.raw)) {
      parts.push(`<rect x="${left}" y="${y + 23}" width="${Math.max(1, x(it.raw) - left)}" height="8" fill="#9e9e9e"/>`);
      parts.push(`<text x="${x(it.raw) + 4}" y="${y + 31}" font-size="10" fill="#555">${it.raw.toFixed(2)}× raw</text>`);
    }
    parts.push(`<line x1="${x(it.target)}" x2="${x(it.target)}" y1="${y - 3}" y2="${y + 34}" stroke="#000" stroke-width="2"/>`);
  });
  const y1 = 50 + items.length * rowH;
  parts.push(`<line x1="${x(1)}" x2="${x(1)}" y1="45" y2="${y1}" stroke="#888" stroke-dasharray="4 3"/>`, `<text x="${x(1) - 8}" y="${y1 + 14}">1×</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
