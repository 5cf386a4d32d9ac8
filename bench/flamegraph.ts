// Turns a V8 .cpuprofile (node --cpu-prof) into a self-contained SVG flame graph: one box per call
// path, width = share of busy samples (idle excluded), root at the bottom, hover for details.
// Usage: node --import tsx bench/flamegraph.ts <in.cpuprofile> <out.svg> [title]

import { readFileSync, writeFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}
interface Frame {
  name: string;
  total: number;
  children: Map<string, Frame>;
}

const [input, output, title = 'CPU profile'] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: flamegraph.ts <in.cpuprofile> <out.svg> [title]');
const profile = JSON.parse(readFileSync(input, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode) => {
  const file = n.callFrame.url.split('/').slice(-2).join('/');
  return `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ''}`;
};

// Merge samples into a tree of call paths (root first).
const root: Frame = { name: 'all busy samples', total: 0, children: new Map() };
const counts = new Map<number, number>();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
for (const [id, count] of counts) {
  const leaf = byId.get(id)!;
  if (leaf.callFrame.functionName === '(idle)') continue;
  const path: string[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (n.callFrame.functionName !== '(root)') path.push(label(n));
  }
  root.total += count;
  let f = root;
  for (const name of path.reverse()) {
    let child = f.children.get(name);
    if (!child) f.children.set(name, (child = { name, total: 0, children: new Map() }));
    child.total += count;
    f = child;
  }
}

const width = 1200;
const rowH = 16;
let depthMax = 0;
const boxes: string[] = [];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const colour = (name: string) =>
  /\/kafka\//.test(name) || / kafka\//.test(name) ? '#e6a23c' : / (log|codec)\//.test(name) ? '#67c23a' : / (http|broker|groups|apis)\//.test(name) ? '#409eff' : /^\(garbage/.test(name) ? '#f56c6c' : '#c0c4cc';
function lay(f: Frame, x: number, depth: number): void {
  const w = (f.total / root.total) * width;
  if (w < 0.3) return;
  depthMax = Math.max(depthMax, depth);
  const pct = ((100 * f.total) / root.total).toFixed(1);
  boxes.push(
    `<g><title>${escape(f.name)} — ${pct}% (${f.total} samples)</title><rect x="${x.toFixed(1)}" y="${-depth * rowH}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${colour(f.name)}"/>` +
      (w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${-depth * rowH + 11}">${escape(f.name.slice(0, Math.floor(w / 6.5)))}</text>` : '') +
      '</g>',
  );
  let cx = x;
  for (const c of [...f.children.values()].sort((a, b) => b.total - a.total)) {
    lay(c, cx, depth + 1);
    cx += (c.total / root.total) * width;
  }
}
lay(root, 0, 0);
const height = (depthMax + 1) * rowH + 40;
writeFileSync(
  output,
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="10">\n` +
    `<text x="4" y="14" font-size="13" font-family="sans-serif">${escape(title)} — ${root.total} busy samples of ${profile.samples.length} (orange: kafka/, green: log/, blue: http/broker, red: GC)</text>\n` +
    `<g transform="translate(0 ${height - rowH})">\n${boxes.join('\n')}\n</g>\n</svg>\n`,
);
console.log(`${output}: ${boxes.length} boxes, ${root.total} busy samples`);
