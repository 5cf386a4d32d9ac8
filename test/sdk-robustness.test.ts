// SDK robustness: lease extension for long handlers (memory on a FakeClock, eddy on real time),
// handlerTimeoutMs (sdk.handler_timeout through retry and dead letter), reconnect of the eddy
// transport across a broker restart on the same data dir and port, and bus.trace().
// Waits are on conditions; the only real-time waits let an ack deadline or a downtime pass, and no
// wall-clock duration is asserted.

import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { setImmediate as yieldTick, setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createEventBus, defineEvent, DlqHeaders, EddyError, EddyHttpTransport, MemoryTransport, startEmbeddedTransport, type Transport } from '../src/client/index.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { tempDir } from '../src/testing/tmp.ts';

const Job = defineEvent('Job', { version: 1, schema: z.object({ n: z.number() }), key: (e) => `k${e.n}` });

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const giveUpMs = Date.now() + 30_000; // hang guard, not a duration assertion
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

/** Moves fake time forward in steps, letting promises settle between steps. */
async function drive(fake: FakeClock, ms: number, stepMs = 50): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    fake.advance(stepMs);
    for (let i = 0; i < 5; i++) await yieldTick();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await yieldTick();
}

/** The same transport without lease extension: the control case. */
function withoutExtend(t: Transport): Transport {
  return {
    name: t.name,
    clock: t.clock,
    publish: (e) => t.publish(e),
    read: (topic, o) => t.read(topic, o),
    close: () => t.close(),
    subscribe: async (spec) => {
      const s = await t.subscribe(spec);
      return { pull: (o) => s.pull(o), ack: (ids) => s.ack(ids), nack: (id, o) => s.nack(id, o), lag: () => s.lag(), close: () => s.close() };
    },
  };
}

for (const extend of [true, false]) {
  test(`memory: a handler running past its ack deadline is ${extend ? 'not redelivered (lease extended)' : 'redelivered without lease extension (control)'}`, async () => {
    const fake = new FakeClock();
    const mem = new MemoryTransport({ clock: fake });
    const bus = await createEventBus({ source: 's', transport: extend ? mem : withoutExtend(mem) });
    const attempts: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = 0;
    await bus.subscribe(Job, async (_d, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt === 1) await gate;
      finished++;
    }, { group: 'g', concurrency: 4, ackDeadlineMs: 1000, pollWaitMs: 200 }).ready;
    await bus.publish(Job, { n: 1 });
    await settle();
    assert.deepEqual(attempts, [1]);
    await drive(fake, 5_000); // five ack deadlines
    // A redelivery of the same key would queue behind the running handler: checked once it is done.
    if (extend) assert.deepEqual(attempts, [1], 'not redelivered while the handler runs');
    release();
    await settle();
    await drive(fake, 3_000);
    if (extend) {
      assert.deepEqual(attempts, [1], 'acked once done, never redelivered');
      assert.equal(finished, 1);
    } else assert.ok(attempts.length >= 2 && attempts[1]! >= 2, 'the control case is redelivered');
    const closing = bus.close();
    await drive(fake, 500);
    await closing;
  });
}

test('memory: handlerTimeoutMs fails a slow handler with sdk.handler_timeout, then retries; the late result is ignored', async () => {
  const fake = new FakeClock();
  const errors: unknown[] = [];
  const bus = await createEventBus({ source: 's', transport: new MemoryTransport({ clock: fake }), onError: (e) => errors.push(e) });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const attempts: number[] = [];
  const done: number[] = [];
  await bus.subscribe(Job, async (_d, ctx) => {
    attempts.push(ctx.attempt);
    if (ctx.attempt === 1) await gate; // hangs past the timeout
    done.push(ctx.attempt);
  }, { group: 'g', handlerTimeoutMs: 500, ackDeadlineMs: 10_000, retry: { attempts: 3, backoff: { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: false } }, pollWaitMs: 200 }).ready;
  await bus.publish(Job, { n: 1 });
  await settle();
  await drive(fake, 1_000);
  assert.deepEqual(attempts, [1, 2], 'timed out, then retried after the backoff');
  assert.deepEqual(done, [2]);
  const timeout = errors.find((e) => e instanceof EddyError && e.code === 'sdk.handler_timeout');
  assert.ok(timeout, 'onError saw sdk.handler_timeout');
  release(); // the first attempt finishes late: ignored
  await settle();
  await drive(fake, 20_000);
  assert.deepEqual(attempts, [1, 2]);
  assert.equal(await bus.transport.read('Job.dlq', { max: 10 }).then((r) => r.length), 0);
  const closing = bus.close();
  await drive(fake, 500);
  await closing;
});

test('memory: a handler that always times out is dead-lettered with the sdk.handler_timeout reason', async () => {
  const fake = new FakeClock();
  const bus = await createEventBus({ source: 's', transport: new MemoryTransport({ clock: fake }) });
  await bus.subscribe(Job, () => new Promise<void>(() => {}), { group: 'g', handlerTimeoutMs: 300, retry: { attempts: 2, backoff: { initialMs: 50, multiplier: 1, maxMs: 50, jitter: false } }, pollWaitMs: 100 }).ready;
  await bus.publish(Job, { n: 7 });
  await settle();
  await drive(fake, 2_000);
  const dlq = await bus.transport.read('Job.dlq', { max: 10 });
  assert.equal(dlq.length, 1);
  assert.match(dlq[0]!.headers[DlqHeaders.reason] ?? '', /^sdk\.handler_timeout: /);
  assert.equal(dlq[0]!.headers[DlqHeaders.attempts], '2');
  assert.throws(() => bus.subscribe(Job, () => {}, { group: 'h', handlerTimeoutMs: 0 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.invalid_options');
  const closing = bus.close();
  await drive(fake, 500);
  await closing;
});

async function stats(url: string, name: string): Promise<{ backlog: number; inFlight: number; waiting: number; delivered: number }> {
  const r = (await (await fetch(`${url}/v1/subscriptions/${encodeURIComponent(name)}`)).json()) as { stats: { backlog: number; inFlight: number; waiting: number; delivered: number } };
  return r.stats;
}

for (const delivery of ['websocket', 'http'] as const) test(`eddy (${delivery} delivery): a handler running past a 2 s ack deadline is not redelivered (modifyAckDeadline)`, async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-lease-');
  const transport = await startEmbeddedTransport({ dataDir: dir, delivery });
  const bus = await createEventBus({ source: 's', transport });
  t.after(async () => {
    await bus.close();
    await transport.close();
    await cleanup();
  });
  const deliveries: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let finished = false;
  // The lease is extended every 2/3 of the deadline: ~670 ms of slack for each extension to reach
  // the broker (with 1 s, a stall of ~300 ms on a loaded machine let the lease expire).
  await bus.subscribe(Job, async (_d, ctx) => {
    deliveries.push(ctx.attempt);
    await gate;
    finished = true;
  }, { group: 'slow', concurrency: 4, ackDeadlineMs: 2000, pollWaitMs: 100 }).ready;
  await bus.publish(Job, { n: 1 });
  await until(() => deliveries.length === 1, 'first delivery');
  const startedMs = Date.now();
  await until(() => Date.now() - startedMs > 4_500, 'more than two ack deadlines to pass'); // consumers keep pulling meanwhile
  release();
  await until(() => finished, 'handler done');
  await until(async () => {
    const s = await stats(transport.url, 'slow.Job');
    return s.backlog === 0 && s.inFlight === 0;
  }, 'the ack');
  assert.deepEqual(deliveries, [1], 'delivered once');
  // The route validates its body.
  const bad = await fetch(`${transport.url}/v1/subscriptions/slow.Job/modifyAckDeadline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ackIds: ['x'], ackDeadlineMs: -1 }) });
  assert.equal(bad.status, 400);
  const missing = await fetch(`${transport.url}/v1/subscriptions/slow.Job/modifyAckDeadline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ackIds: ['x'] }) });
  assert.equal(missing.status, 400);
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

for (const delivery of ['websocket', 'http'] as const) test(`eddy (${delivery} publish and delivery): the transport reconnects across a broker restart (same data dir and port): nothing lost, acked events not redelivered`, async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-restart-');
  const port = await freePort();
  const start = () => startBroker({ dataDir: dir, http: { port, host: '127.0.0.1' }, freeBytesFloor: 0 });
  let broker: RunningBroker | null = await start();
  const url = `http://127.0.0.1:${port}`;
  const bus = await createEventBus({ source: 's', transport: new EddyHttpTransport({ url, delivery, publishVia: delivery, reconnect: { initialMs: 20, maxMs: 200 } }) });
  t.after(async () => {
    await bus.close();
    await broker?.close();
    await cleanup();
  });
  const handled: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await bus.subscribe(Job, async (d) => {
    if (d.n === 10) await gate; // in flight across the restart
    handled.push(d.n);
  // A 5 s deadline: an ack slowed by a busy machine must not turn into a redelivery (the counts below
  // allow one only for event 10, whose ack races the restart).
  }, { group: 'g', concurrency: 8, ackDeadlineMs: 5_000, pollWaitMs: 100 }).ready;
  const quiet = async () => {
    const s = await stats(url, 'g.Job');
    return s.backlog === 0 && s.inFlight === 0 && s.waiting === 0;
  };

  for (let n = 0; n < 10; n++) await bus.publish(Job, { n });
  await until(() => handled.length === 10, 'phase 1 handled');
  await until(quiet, 'phase 1 acked');
  await bus.publish(Job, { n: 10 }); // leased, its handler blocked

  await until(async () => (await stats(url, 'g.Job')).inFlight === 1, 'event 10 in flight');
  await broker.close();
  broker = null;
  // Broker down: publishes wait (retrying), consumers keep retrying their pulls.
  let published = 0;
  const publishing = (async () => {
    for (let n = 11; n < 20; n++) {
      await bus.publish(Job, { n });
      published++;
    }
  })();
  release(); // event 10's handler finishes while the broker is down: its ack retries
  await sleep(300); // downtime
  assert.equal(published, 0, 'publish waits for the broker');
  broker = await start();
  await publishing;
  assert.equal(published, 9);
  await until(() => new Set(handled).size === 20, 'every event handled');
  await until(quiet, 'everything acked');
  const counts = new Map<number, number>();
  for (const n of handled) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (let n = 0; n < 20; n++) {
    // Event 10's ack raced the restart: the broker may have redelivered it (at least once); every
    // event acked before or after the restart was handled exactly once.
    if (n === 10) assert.ok((counts.get(n) ?? 0) >= 1);
    else assert.equal(counts.get(n), 1, `event ${n} handled once`);
  }
});

/**
 * A TCP proxy to `target` whose connections can be made to go silent (data dropped both ways, nothing
 * closed): what a NAT or proxy that forgot a connection, or a broker host that lost power, looks
 * like to the client. New connections after `silence()` pass again.
 */
async function silencingProxy(target: number): Promise<{ port: number; silence(): void; cut: () => number; close(): Promise<void> }> {
  const live = new Set<{ silent: boolean }>();
  let cut = 0;
  const server = createServer((client) => {
    const state = { silent: false };
    live.add(state);
    const upstream = connect(target, '127.0.0.1');
    client.on('data', (d) => state.silent || upstream.write(d));
    upstream.on('data', (d) => state.silent || client.write(d));
    const end = () => {
      if (state.silent) cut++;
      live.delete(state);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return {
    port: address.port,
    silence: () => live.forEach((c) => (c.silent = true)),
    cut: () => cut,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('eddy: a WebSocket that goes silent (no close: a dropped NAT entry, a dead broker host) is cut by the heartbeat and reopened; waiting publishes and deliveries go on', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-silent-');
  const broker = await startBroker({ dataDir: dir, http: { port: 0, host: '127.0.0.1' }, freeBytesFloor: 0 });
  const proxy = await silencingProxy(Number(new URL(broker.http.url).port));
  const transport = new EddyHttpTransport({ url: `http://127.0.0.1:${proxy.port}`, reconnect: { initialMs: 10, maxMs: 50, heartbeatMs: 100 } });
  const bus = await createEventBus({ source: 's', transport });
  t.after(async () => {
    await bus.close();
    await transport.close();
    await proxy.close();
    await broker.close();
    await cleanup();
  });
  const handled: number[] = [];
  await bus.subscribe(Job, (d) => void handled.push(d.n), { group: 'g', pollWaitMs: 100 }).ready;
  await bus.publish(Job, { n: 1 });
  await until(() => handled.length === 1, 'first event handled');
  proxy.silence(); // every open connection (publisher socket, subscription socket, HTTP keep-alive) now swallows data
  // Sent into the void, then again on a new socket once the heartbeat cut the old one.
  let published = false;
  void bus.publish(Job, { n: 2 }).then(() => (published = true));
  await until(() => published, 'the second publish answered');
  await until(() => handled.includes(2), 'second event handled over a new subscription socket');
  assert.ok(proxy.cut() >= 2, `the silent sockets were cut by the client (${proxy.cut()})`);
  assert.deepEqual([...new Set(handled)].sort(), [1, 2]);
});

test('eddy: many publishes waiting for an unreachable broker share the transport signal without a MaxListenersExceededWarning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const transport = new EddyHttpTransport({ url, reconnect: { initialMs: 50, maxMs: 50, giveUpMs: 300 }, random: () => 1 });
    const bus = await createEventBus({ source: 's', transport });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => bus.publish(Job, { n })));
    for (const o of outcomes) assert.ok(o.status === 'rejected' && o.reason instanceof EddyError && o.reason.code === 'sdk.transport_failed');
    await bus.close();
    await yieldTick(); // warnings are emitted on the next tick
    assert.deepEqual(warnings.map((w) => w.name), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('bus.trace: reconstructs a 3-step causal chain across topics', async (t) => {
  const Placed = defineEvent('OrderPlaced', { version: 1, schema: z.object({ orderId: z.string() }) });
  const Reserved = defineEvent('InventoryReserved', { version: 1, schema: z.object({ orderId: z.string() }) });
  const Paid = defineEvent('PaymentProcessed', { version: 1, schema: z.object({ orderId: z.string() }) });
  const bus = await createEventBus({ source: 's', transport: 'memory' });
  t.after(() => bus.close());
  let paid = 0;
  await bus.subscribe(Placed, async (d) => void (await bus.publish(Reserved, d)), { group: 'inventory', pollWaitMs: 50 }).ready;
  await bus.subscribe(Reserved, async (d) => void (await bus.publish(Paid, d)), { group: 'payments', pollWaitMs: 50 }).ready;
  await bus.subscribe(Paid, () => void paid++, { group: 'notify', pollWaitMs: 50 }).ready;
  const { id } = await bus.publish(Placed, { orderId: 'o-1' });
  await bus.publish(Placed, { orderId: 'o-2' }); // another chain
  await until(() => paid === 2, 'both chains done');
  const trace = await bus.trace(id, { topics: ['OrderPlaced', 'InventoryReserved', 'PaymentProcessed'] });
  assert.equal(trace.correlationId, id);
  assert.equal(trace.size, 3);
  assert.equal(trace.roots.length, 1);
  const root = trace.roots[0]!;
  assert.equal(root.id, id);
  assert.equal(root.type, 'OrderPlaced');
  assert.equal(root.children.length, 1);
  const reserved = root.children[0]!;
  assert.equal(reserved.type, 'InventoryReserved');
  assert.equal(reserved.causationId, id);
  assert.equal(reserved.children.length, 1);
  const paidNode = reserved.children[0]!;
  assert.equal(paidNode.type, 'PaymentProcessed');
  assert.equal(paidNode.causationId, reserved.id);
  assert.equal(paidNode.children.length, 0);
  assert.deepEqual(paidNode.envelope.data, { orderId: 'o-1' });
  // Only the topics asked for are read.
  const partial = await bus.trace(id, { topics: ['InventoryReserved', 'PaymentProcessed'] });
  assert.equal(partial.size, 2);
  assert.equal(partial.roots[0]!.type, 'InventoryReserved');
  await assert.rejects(bus.trace(id, { topics: [] }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.invalid_options');
});
