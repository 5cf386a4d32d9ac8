// Reads a profile written by bench/alloc-sampler.mjs: bytes allocated in total (and per event when
// the count is given) and the call sites that allocated most (function <- caller <- caller).
// Usage: node --import tsx bench/alloc-top.ts /tmp/alloc-<pid>.json [events] [top=25]

import { readFileSync } from 'node:fs';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const [file, eventsArg, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: alloc-top.ts <profile.json> [events] [top]');
const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: Node }).head;
const name = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const bySite = new Map<string, number>();
let total = 0;
const walk = (n: Node, callers: string[]): void => {
  const site = [name(n), ...callers.slice(-2).reverse()].join(' <- ');
  bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
  total += n.selfSize;
  for (const c of n.children) walk(c, [...callers, name(n)]);
};
walk(head, []);
const events = Number(eventsArg ?? 0);
console.log(`allocated ${(total / 1e6).toFixed(1)} MB${events > 0 ? `, ${(total / events / 1024).toFixed(1)} KiB per event` : ''}`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) {
  console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${site}`);
}
