// The tree is the architecture: imports point down only (cli -> http -> broker -> log). A layer that
// imports one above it fails here.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

// A service on the eddy transport imports the SDK and nothing else: the broker (fastify and the log),
// kafkajs and ioredis load only when an embedded broker, a kafka transport or a Redis store is made.
test('importing the SDK loads neither the broker nor the kafka and redis clients', () => {
  const probe = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).map((p) => /node_modules\\/(fastify|kafkajs|ioredis)\\//.exec(p)?.[1]).filter(Boolean);
    const sdk = await import('./src/client/index.ts');
    const atImport = [...new Set(loaded())];
    new sdk.KafkaTransport({ brokers: ['127.0.0.1:9'] });
    console.log(JSON.stringify({ atImport, afterKafkaTransport: [...new Set(loaded())] }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { atImport: [], afterKafkaTransport: ['kafkajs'] });
});
