// Durable idempotency stores behind the IdempotencyStore interface: the file store (JSON lines,
// fsync, replay at open, expiry on the FakeClock, bounded) and the Redis store (ioredis against a
// real redis-server from Debian's packages, started here on an ephemeral port, expiry by real PX).
// For each: a handler runs at most once per event id per group across two bus instances sharing
// the store. Waits are on conditions (polling), never fixed sleeps.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createEventBus, defineEvent, EddyError, fromWireRecord, MemoryTransport, type EventBus, type IdempotencyStore } from '../src/client/index.ts';
import { FileIdempotencyStore } from '../src/client/idempotency-file.ts';
import { RedisIdempotencyStore } from '../src/client/idempotency-redis.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { tempDir } from '../src/testing/tmp.ts';

const Item = defineEvent('Item', { version: 1, schema: z.object({ key: z.string(), n: z.number() }), key: (e) => e.key });

async function until(cond: () => boolean | Promise<boolean>, what: string, tick: () => void = () => {}): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // a hang guard only, never an assertion on duration
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    tick();
    await sleep(1);
  }
}

/**
 * Bus A handles an event and marks it in its store; A's subscription closes; bus B joins the same
 * group with its store; the same record is stored again (a redelivery) followed by a new event of the
 * same key: B handles only the new one and counts the copy as a duplicate.
 */
async function atMostOnceAcrossBuses(t: TestContext, storeA: IdempotencyStore, storeB: IdempotencyStore): Promise<void> {
  const fake = new FakeClock();
  const transport = new MemoryTransport({ clock: fake });
  const buses: EventBus[] = [];
  t.after(() => Promise.all(buses.map((b) => b.close())));
  const a = await createEventBus({ source: 'a', transport });
  const b = await createEventBus({ source: 'b', transport });
  buses.push(a, b);
  const handled: string[] = [];
  const tick = () => fake.advance(10);
  const subA = a.subscribe(Item, (e) => void handled.push(`A:${e.n}`), { group: 'g', idempotency: { store: storeA, windowMs: 60_000 } });
  await subA.ready;
  const { id } = await a.publish(Item, { key: 'k', n: 1 });
  await until(() => handled.length === 1, 'A handled n=1', tick);
  await subA.close();
  await b.subscribe(Item, (e) => void handled.push(`B:${e.n}`), { group: 'g', idempotency: { store: storeB, windowMs: 60_000 } }).ready;
  const rec = transport.record('Item', 0)!;
  assert.equal(fromWireRecord(rec).id, id);
  transport.append('Item', rec, null); // the same event id once more, past the transport's dedup
  await a.publish(Item, { key: 'k', n: 2 });
  await until(() => handled.includes('B:2'), 'B handled n=2', tick);
  assert.deepEqual(handled, ['A:1', 'B:2']);
  const dup = (await b.metrics().getSingleMetric('eddy_events_processed_total')!.get()).values.find((v) => v.labels.status === 'duplicate');
  assert.equal(dup?.value, 1, 'the copy was acked as a duplicate by B');
}

test('file store: marks survive a reopen, expire on the clock, per group', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-idem-');
  t.after(cleanup);
  const path = join(dir, 'sub', 'idem.jsonl');
  const clock = new FakeClock();
  const s = await FileIdempotencyStore.open({ path, clock });
  assert.equal(await s.has('g', 'e1'), false);
  await Promise.all([s.markDone('g', 'e1', 1000), s.markDone('g', 'e2', 5000), s.markDone('h', 'e1', 1000)]);
  assert.equal(await s.has('g', 'e1'), true);
  assert.equal(await s.has('other', 'e1'), false, 'per group');
  await s.close();
  await assert.rejects(s.markDone('g', 'e3', 1000), /closed/);
  assert.equal((await readFile(path, 'utf8')).trim().split('\n').length, 3, 'one fsynced line per mark');

  const s2 = await FileIdempotencyStore.open({ path, clock });
  t.after(() => s2.close());
  assert.equal(s2.size, 3);
  assert.equal(await s2.has('g', 'e1'), true, 'survived the reopen');
  clock.advance(1000);
  assert.equal(await s2.has('g', 'e1'), false, 'expired after its window');
  assert.equal(await s2.has('g', 'e2'), true);
  await s2.close();

  // Reopened after the short entries expired: they are dropped and the file is rewritten without them;
  // a torn last line (a crash mid-append) is ignored.
  await appendFile(path, '{"g":"g","id":"torn","ex');
  const s3 = await FileIdempotencyStore.open({ path, clock });
  t.after(() => s3.close());
  assert.equal(s3.size, 1);
  assert.equal(await s3.has('g', 'e2'), true);
  assert.equal(await s3.has('g', 'torn'), false);
  assert.deepEqual((await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id), ['e2']);
  await s3.markDone('g', 'e4', 1000);
  assert.deepEqual((await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id), ['e2', 'e4'], 'appends after the rewrite');
});

test('file store: bounded in memory and on disk', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-idem-');
  t.after(cleanup);
  const path = join(dir, 'idem.jsonl');
  const clock = new FakeClock();
  const s = await FileIdempotencyStore.open({ path, clock, entriesMax: 10, compactMinLines: 20 });
  t.after(() => s.close());
  for (let i = 0; i < 100; i++) await s.markDone('g', `e${i}`, 60_000);
  assert.equal(s.size, 10);
  assert.equal(await s.has('g', 'e99'), true);
  assert.equal(await s.has('g', 'e0'), false, 'oldest evicted');
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  assert.ok(lines.length <= 20, `file compacted (${lines.length} lines)`);
  await s.close();
  const again = await FileIdempotencyStore.open({ path, clock, entriesMax: 10 });
  t.after(() => again.close());
  assert.equal(await again.has('g', 'e99'), true);
  assert.equal(again.size, 10);
});

test('file store: a handler runs at most once per event id per group across two buses', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-idem-');
  t.after(cleanup);
  const store = await FileIdempotencyStore.open({ path: join(dir, 'idem.jsonl') });
  t.after(() => store.close());
  await atMostOnceAcrossBuses(t, store, store);
});

test('file store: an invalid file line shape is skipped, not fatal', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-idem-');
  t.after(cleanup);
  const path = join(dir, 'idem.jsonl');
  const clock = new FakeClock();
  await writeFile(path, `{"g":1}\n[]\nnull\n${JSON.stringify({ g: 'g', id: 'ok', exp: clock.now() + 10 })}\n`);
  const s = await FileIdempotencyStore.open({ path, clock });
  t.after(() => s.close());
  assert.equal(s.size, 1);
  assert.equal(await s.has('g', 'ok'), true);
});

// --- Redis -----------------------------------------------------------------------------------

/** A free TCP port on 127.0.0.1 (listen(0), read it, close). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Starts redis-server (no persistence) on an ephemeral port; stopped by PID at the end of the test. */
async function startRedis(t: TestContext): Promise<string> {
  let lastError: unknown;
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const ready = until(() => out.includes('Ready to accept connections'), 'redis-server ready').then(() => 'ready' as const);
    const r = await Promise.race([ready, exited.then(() => 'exited' as const), spawnError]);
    if (r instanceof Error) throw new Error(`redis-server could not be started (the test runner installs Debian's redis-server): ${r.message}`);
    if (r === 'ready') {
      t.after(async () => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
        await exited;
      });
      return `redis://127.0.0.1:${port}`;
    }
    lastError = new Error(`redis-server exited: ${out}`); // e.g. the port was taken in between: try another
  }
  throw lastError;
}

test('redis store: SET NX PX marks, per group, expire after the window', async (t) => {
  const url = await startRedis(t);
  const s = new RedisIdempotencyStore({ redis: url, keyPrefix: 'test:' });
  t.after(() => s.close());
  assert.equal(await s.has('g', 'e1'), false);
  await s.markDone('g', 'e1', 60_000);
  assert.equal(await s.has('g', 'e1'), true);
  assert.equal(await s.has('h', 'e1'), false, 'per group');
  const pttl = await s.redis.pttl('test:g:e1');
  assert.ok(pttl > 0 && pttl <= 60_000, `PX window set (pttl ${pttl})`);
  await s.markDone('g', 'e1', 120_000);
  assert.ok((await s.redis.pttl('test:g:e1')) <= 60_000, 'NX: the first mark keeps its expiry');
  await assert.rejects(s.markDone('g', 'e2', 0), /window/);

  await s.markDone('g', 'short', 50);
  // Set with a 50 ms expiry (checking that it is there would race the expiry on a slow machine).
  const shortTtl = await s.redis.pttl('test:g:short');
  assert.ok(shortTtl === -2 || (shortTtl > 0 && shortTtl <= 50), `PX 50 (pttl ${shortTtl})`);
  await until(async () => !(await s.has('g', 'short')), 'the 50 ms mark expired');
});

test('redis store: a handler runs at most once per event id per group across two buses', async (t) => {
  const url = await startRedis(t);
  const client = new Redis(url);
  t.after(() => client.quit());
  // Two instances, two connections, one server: as two processes of the group would have it.
  const a = new RedisIdempotencyStore({ redis: client });
  const b = new RedisIdempotencyStore({ redis: url });
  t.after(() => b.close());
  await atMostOnceAcrossBuses(t, a, b);
  await a.close(); // not owned: the client stays open
  assert.equal(await client.ping(), 'PONG');
});

test('file store: a second process cannot open a file another process owns; a dead owner\'s lock is taken over', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-idem-lock-');
  t.after(cleanup);
  const path = join(dir, 'idem.jsonl');
  const storeModule = new URL('../src/client/idempotency-file.ts', import.meta.url).href;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { FileIdempotencyStore } = await import(${JSON.stringify(storeModule)}); const s = await FileIdempotencyStore.open({ path: ${JSON.stringify(path)} }); await s.markDone('g', 'e1', 60000); console.log('open'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => owner.once('exit', () => resolve()));
  t.after(async () => {
    if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    owner.stdout!.on('data', (d: Buffer) => String(d).includes('open') && resolve());
    void exited.then(() => reject(new Error('the owner exited before opening the store')));
  });
  await assert.rejects(FileIdempotencyStore.open({ path }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.store_locked' && e.message.includes(String(owner.pid)));
  owner.kill('SIGKILL'); // dies holding the lock
  await exited;
  const s = await FileIdempotencyStore.open({ path });
  assert.equal(await s.has('g', 'e1'), true, 'the dead owner\'s fsynced mark is there');
  await s.close();
  assert.equal(existsSync(`${path}.lock`), false, 'close releases the lock');
});
