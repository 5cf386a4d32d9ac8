// The tree is the architecture: imports point down only (cli -> http -> broker -> log). A layer that
// imports one above it fails here.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const order = ['log', 'broker', 'http', 'cli'] as const;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('imports point downward only', () => {
  const bad: string[] = [];
  for (const [level, layer] of order.entries()) {
    for (const f of files(join('src', layer))) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/from '(\.\.?\/[^']+)'/g)) {
        const target = relative('src', join(f, '..', m[1]!)).split('/')[0]!;
        const t = order.indexOf(target as (typeof order)[number]);
        if (target === 'testing') bad.push(`${f} imports test support ${m[1]}`);
        if (t > level) bad.push(`${f} (${layer}) imports ${m[1]} (${target})`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
