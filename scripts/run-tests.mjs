#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TAP output, ending with the
// runner's `# pass N` / `# fail N` summary). EDDY_SOAK=1 also runs the long soak variants.
// Arguments narrow the run: `npm test -- src/log` runs only files whose path contains "src/log".
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Debian tools the tests use, installed when missing (CI runs as root; `apt-get update` first). */
function ensureDebianTools() {
  const missing = [['kcat', 'kcat'], ['redis-server', 'redis-server']].filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length === 0) return;
  const pkgs = missing.map(([, pkg]) => pkg);
  console.error(`installing ${pkgs.join(', ')} from Debian's packages for the tests`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) : update;
  if (install.status !== 0) {
    console.error(`could not install ${pkgs.join(', ')}: the tests that need them will fail`);
  }
}

const filters = process.argv.slice(2);
ensureDebianTools();
const files = walk('src', walk('test', []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  // A test that waits on a condition that never comes fails with its name after 5 minutes instead of
  // hanging the run (the longest test takes ~30 s on this machine); soak runs are not bounded here.
  ['--import', 'tsx', '--import', './scripts/test-setup.mjs', '--test', '--test-reporter=tap', '--test-concurrency=2', ...(process.env.EDDY_SOAK ? [] : ['--test-timeout=300000']), ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(r.status ?? 1);
