// examples/kafkajs-order-service, run exactly as its README says against the real `eddy start`:
// every OrderPlaced reaches both consumer groups (fan-out), and the events are readable over HTTP.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../src/testing/tmp.ts';
import { startChildBroker } from './support/child-broker.ts';

const exampleDir = fileURLToPath(new URL('../examples/kafkajs-order-service/', import.meta.url));

function service(file: string, brokers: string, args: string[] = []): { child: ChildProcess; lines: string[]; waitFor(n: number): Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [exampleDir + file, ...args], { env: { ...process.env, BROKERS: brokers }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter((l) => l.length > 0));
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))); // after its output was read
  return {
    child,
    lines,
    exited,
    async waitFor(n) {
      while (lines.length < n) {
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        const done = await Promise.race([more.then(() => false), exited.then(() => true)]);
        if (done && lines.length < n) throw new Error(`${file} exited early:\n${err}`);
      }
    },
  };
}

test('kafkajs order/email/inventory services run unchanged against eddy start', { timeout: 120_000 }, async (t) => {
  const { dir, cleanup } = await tempDir();
  const broker = await startChildBroker(dir);
  const brokers = broker.kafkaBootstrap()!;
  const running: ChildProcess[] = [];
  t.after(async () => {
    for (const c of running) c.kill('SIGTERM');
    await broker.stop();
    await cleanup();
  });
  const orders = service('order-service.mjs', brokers, ['5']);
  await orders.waitFor(5);
  assert.equal(await orders.exited, 0);
  const email = service('email-service.mjs', brokers);
  const inventory = service('inventory-service.mjs', brokers);
  running.push(email.child, inventory.child);
  await Promise.all([email.waitFor(5), inventory.waitFor(5)]);
  for (const s of [email, inventory]) {
    const ids = s.lines.map((l) => /OrderPlaced (order-\d+)/.exec(l)?.[1]).filter(Boolean).sort();
    assert.deepEqual(ids, ['order-1', 'order-2', 'order-3', 'order-4', 'order-5']);
  }
  let total = 0;
  for (let p = 0; p < 3; p++) {
    const r = (await (await fetch(`${broker.url}/v1/topics/order-events/partitions/${p}/events?offset=0`)).json()) as { events: { headers: Record<string, string> }[] };
    total += r.events.filter((e) => e.headers.type === 'OrderPlaced').length;
  }
  assert.equal(total, 5, 'the same events are visible over HTTP');
});
