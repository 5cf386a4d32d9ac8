// Preload for a broker (or any process) under a bench: counts the bytes of Buffer allocations of
// 4 KiB or more (Buffer.alloc, allocUnsafe, allocUnsafeSlow, concat) by call site — the memory
// outside V8's heap whose churn makes it run full collections — and writes the top 25 sites to
// BUFFER_SITES_LOG (default /tmp/buffer-sites-<pid>.txt) at SIGTERM or exit. Node's internal
// allocations (fs, streams) do not go through these functions and are not counted. With a broker:
//   EDDY_BROKER_NODE_ARGS="--import $PWD/bench/buffer-sites.mjs" node --import tsx bench/sdk.ts 60000 64 500 4 200
import { writeFileSync } from 'node:fs';

const out = process.env.BUFFER_SITES_LOG ?? `/tmp/buffer-sites-${process.pid}.txt`;
const sites = new Map();
const siteOf = () =>
  new Error().stack
    .split('\n')
    .slice(4, 8)
    .map((l) => l.trim().replace(/^at /, ''))
    .join(' <- ');
const count = (bytes) => {
  if (bytes < 4096) return;
  const key = siteOf();
  const s = sites.get(key) ?? { n: 0, bytes: 0 };
  s.n++;
  s.bytes += bytes;
  sites.set(key, s);
};
for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow']) {
  const original = Buffer[name];
  Buffer[name] = function (size, ...rest) {
    if (typeof size === 'number') count(size);
    return original.call(this, size, ...rest);
  };
}
const concat = Buffer.concat;
Buffer.concat = function (list, total) {
  count(total ?? list.reduce((a, b) => a + b.length, 0));
  return concat.call(this, list, total);
};
let written = false;
const write = () => {
  if (written) return;
  written = true;
  const rows = [...sites].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
  writeFileSync(out, rows.map(([k, v]) => `${(v.bytes / 2 ** 20).toFixed(1).padStart(9)} MB ${String(v.n).padStart(8)}x  ${k}`).join('\n') + '\n');
};
process.once('SIGTERM', write);
process.once('exit', write);
