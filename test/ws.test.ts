// WebSocket delivery (GET /v1/ws) end to end with the `ws` client: topic streams and subscription
// streams with flow control by credits, ack / nack over the socket, every error path with its stable
// code (the socket keeps working), limits, bounded memory for clients that never grant credits or
// never read (asserted on the server's gauges), and cleanup on close. No sleeps: tests wait on messages
// or on gauges.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { Broker } from '../src/broker/broker.ts';
import { SubscriptionManager } from '../src/broker/subscriptions/manager.ts';
import { buildHttpServer } from '../src/http/server.ts';
import { recordView } from '../src/http/events.ts';
import { ReadBufferPool } from '../src/log/read-pool.ts';
import { decodeMessagesFrame, encodePublishFrame, RecordsFrameWriter, type WsLimits } from '../src/http/ws-protocol.ts';
import { cloudEventFromJson } from '../src/http/events.ts';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { HeldIO } from '../src/testing/held-io.ts';
import { startTestBroker } from './support/test-broker.ts';

interface Server {
  url: string;
  broker: Broker;
}

async function withBroker(t: TestContext): Promise<Server> {
  const b = await startTestBroker(t);
  return { url: b.http.url, broker: b.broker };
}

/** The same stack as startBroker, with WebSocket limits overridden. */
async function withLimits(t: TestContext, ws: Partial<WsLimits>, { io, clock }: { io?: HeldIO; clock?: FakeClock } = {}): Promise<Server> {
  const { dir, cleanup } = await tempDir();
  const broker = await Broker.open({ dataDir: io ? '/data' : dir, freeBytesFloor: 0, ...(io ? { io } : {}), ...(clock ? { clock } : {}) });
  const subscriptions = await SubscriptionManager.open(broker);
  const { app } = buildHttpServer({ broker, subscriptions, ws });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  assert.ok(typeof addr === 'object' && addr !== null);
  t.after(async () => {
    await app.close();
    await subscriptions.close();
    await broker.close();
    await cleanup();
  });
  return { url: `http://127.0.0.1:${addr.port}`, broker };
}

type Msg = Record<string, unknown> & { type: string; id?: string; code?: string };
type EventMsg = Msg & { event: { partition: number; offset: number; value: unknown } };

class Client {
  readonly ws: WebSocket;
  readonly inbox: Msg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #wake: (() => void) | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.#onFrame(data as Buffer);
      else this.inbox.push(JSON.parse(String(data)) as Msg);
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /**
   * A binary `messages` frame: a `frame` entry (its stream, message count and size), then each message
   * as the JSON `message` it stands for, its event viewed as the JSON API views it.
   */
  #onFrame(data: Buffer): void {
    const f = decodeMessagesFrame(data);
    assert.ok(f.ok, f.ok ? '' : f.detail);
    this.inbox.push({ type: 'frame', id: f.id, messages: f.messages.length, recordBytes: data.length - 4 - data.readUInt32BE(0) });
    for (const m of f.messages) this.inbox.push({ type: 'message', id: f.id, ackId: m.ackId, deliveryAttempt: m.deliveryAttempt, event: recordView(m.partition, m.record), binary: true });
  }

  static async open(t: TestContext, s: Server): Promise<Client> {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new Client(ws);
    t.after(() => {
      ws.terminate();
    });
    return c;
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Waits for (and removes) the first message matching `pred`. */
  async next(pred: (m: Msg) => boolean): Promise<Msg> {
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async take(n: number, pred: (m: Msg) => boolean): Promise<Msg[]> {
    const out: Msg[] = [];
    while (out.length < n) out.push(await this.next(pred));
    return out;
  }

  /** A round trip: everything the server sent before its answer to this is in the inbox after. */
  async sync(): Promise<void> {
    this.send({ type: 'unsubscribe', id: '__sync' });
    await this.next((m) => m.type === 'error' && m.id === '__sync');
  }

  count(pred: (m: Msg) => boolean): number {
    return this.inbox.filter(pred).length;
  }
}

const of = (type: string, id?: string) => (m: Msg) => m.type === type && (id === undefined || m.id === id);

async function http(s: Server, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(s.url + path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function publish(s: Server, topic: string, values: unknown[], partition?: number): Promise<void> {
  const r = await http(s, 'POST', `/v1/topics/${topic}/events`, { events: values.map((value) => ({ value, ...(partition !== undefined ? { partition } : {}) })) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

/** One sample of a Prometheus metric from /metrics (0 when absent). */
async function metric(s: Server, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Polls the server's gauges until `pred` holds: waits on a condition, never on time. */
async function until(s: Server, name: string, labels: string, pred: (v: number) => boolean): Promise<number> {
  for (;;) {
    const v = await metric(s, name, labels);
    if (pred(v)) return v;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function untilAll(_s: Server, pred: () => Promise<boolean>): Promise<void> {
  while (!(await pred())) await new Promise((resolve) => setImmediate(resolve));
}

test('topic stream: exactly `credits` events, then waits; more credits continue; live events arrive', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'orders', [1, 2, 3, 4, 5]);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'o', topic: 'orders', from: 'earliest', credits: 3 });
  const sub = await c.next(of('subscribed', 'o'));
  assert.deepEqual(sub.partitions, [{ partition: 0, offset: 0 }]);
  const first = (await c.take(3, of('event', 'o'))) as EventMsg[];
  assert.deepEqual(first.map((m) => m.event.value), [1, 2, 3]);
  assert.deepEqual(first.map((m) => m.event.offset), [0, 1, 2]);
  await until(s, 'eddy_ws_stream_readers', 'state="credits"', (v) => v === 1); // out of credits, not reading
  await c.sync();
  assert.equal(c.count(of('event')), 0, 'no event beyond the credits granted');
  assert.equal(await metric(s, 'eddy_ws_held_records'), 0);

  c.send({ type: 'credit', id: 'o', credits: 10 });
  const more = (await c.take(2, of('event', 'o'))) as EventMsg[];
  assert.deepEqual(more.map((m) => m.event.value), [4, 5]);
  await until(s, 'eddy_ws_stream_readers', 'state="log"', (v) => v === 1); // long-polling the log
  await publish(s, 'orders', [{ live: true }]);
  const live = (await c.next(of('event', 'o'))) as EventMsg;
  assert.deepEqual(live.event.value, { live: true });
  assert.equal(live.event.offset, 5);

  c.send({ type: 'unsubscribe', id: 'o' });
  await c.next(of('unsubscribed', 'o'));
  assert.equal(await until(s, 'eddy_ws_streams', '', (v) => v === 0), 0);
});

test('topic stream: several partitions share the credits; from latest, a timestamp, or per-partition offsets', async (t) => {
  const s = await withBroker(t);
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'multi', partitions: 3 })).status, 201);
  for (let p = 0; p < 3; p++) await publish(s, 'multi', [`${p}a`, `${p}b`], p);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'all', topic: 'multi', from: 'earliest', credits: 4 });
  await c.next(of('subscribed', 'all'));
  await c.take(4, of('event', 'all'));
  // Each partition reader is out of credits or long-polling an exhausted partition.
  await untilAll(s, async () => (await metric(s, 'eddy_ws_stream_readers', 'state="credits"')) + (await metric(s, 'eddy_ws_stream_readers', 'state="log"')) === 3);
  await c.sync();
  assert.equal(c.count(of('event', 'all')), 0);
  c.send({ type: 'credit', id: 'all', credits: 2 });
  await c.take(2, of('event', 'all'));

  c.send({ type: 'subscribe', id: 'p1', topic: 'multi', from: { '1': 1 }, credits: 5 });
  assert.deepEqual((await c.next(of('subscribed', 'p1'))).partitions, [{ partition: 1, offset: 1 }]);
  assert.equal(((await c.next(of('event', 'p1'))) as EventMsg).event.value, '1b');

  c.send({ type: 'subscribe', id: 'late', topic: 'multi', partition: 2, credits: 5 });
  assert.deepEqual((await c.next(of('subscribed', 'late'))).partitions, [{ partition: 2, offset: 2 }]);
  c.send({ type: 'subscribe', id: 'ts', topic: 'multi', partition: 0, from: 0, credits: 5 });
  assert.deepEqual((await c.next(of('subscribed', 'ts'))).partitions, [{ partition: 0, offset: 0 }]);
  await c.take(2, of('event', 'ts'));
  await publish(s, 'multi', ['2c'], 2);
  assert.equal(((await c.next(of('event', 'late'))) as EventMsg).event.value, '2c');
});

test('subscription stream: messages with ackId and deliveryAttempt; ack and nack over the socket', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const created = await http(s, 'POST', '/v1/subscriptions', { name: 'work', topic: 'jobs', backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'w', subscription: 'work', credits: 2 });
  const sub = await c.next(of('subscribed', 'w'));
  assert.equal(sub.topic, 'jobs');
  assert.equal(sub.ackDeadlineMs, 30000);
  const two = await c.take(2, of('message', 'w'));
  for (const m of two) {
    assert.equal(typeof m.ackId, 'string');
    assert.equal(m.deliveryAttempt, 1);
  }
  await until(s, 'eddy_ws_stream_readers', 'state="credits"', (v) => v === 1);
  await c.sync();
  assert.equal(c.count(of('message')), 0, 'pulls only as many messages as there are credits');
  assert.equal((await http(s, 'GET', '/v1/subscriptions/work')).json.stats && ((await http(s, 'GET', '/v1/subscriptions/work')).json.stats as Record<string, number>).inFlight, 2);

  c.send({ type: 'ack', id: 'w', ackIds: two.map((m) => m.ackId) });
  assert.deepEqual(await c.next(of('acked', 'w')), { type: 'acked', id: 'w', acked: 2, ignored: 0 });

  c.send({ type: 'credit', id: 'w', credits: 5 });
  const third = await c.next(of('message', 'w'));
  assert.deepEqual((third.event as { value: unknown }).value, { n: 3 });
  c.send({ type: 'nack', id: 'w', ackIds: [third.ackId], delayMs: 0 });
  assert.deepEqual(await c.next(of('nacked', 'w')), { type: 'nacked', id: 'w', nacked: 1, ignored: 0 });
  const again = await c.next(of('message', 'w'));
  assert.deepEqual((again.event as { value: unknown }).value, { n: 3 });
  assert.equal(again.deliveryAttempt, 2);
  c.send({ type: 'modifyAckDeadline', id: 'w', ackIds: [again.ackId], ackDeadlineMs: 60_000 });
  assert.deepEqual(await c.next(of('modified', 'w')), { type: 'modified', id: 'w', modified: 1, ignored: 0 });
  c.send({ type: 'ack', id: 'w', ackIds: [again.ackId, third.ackId] });
  assert.deepEqual(await c.next(of('acked', 'w')), { type: 'acked', id: 'w', acked: 1, ignored: 1 });
  const stats = (await http(s, 'GET', '/v1/subscriptions/work')).json.stats as Record<string, number>;
  assert.equal(stats.backlog, 0);
  assert.equal(stats.inFlight, 0);

  await publish(s, 'jobs', [{ n: 4 }]);
  assert.deepEqual(((await c.next(of('message', 'w'))).event as { value: unknown }).value, { n: 4 });
});

test('subscription stream: an ack with lingerMs is answered once its held write is durable, without holding up the messages after it', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.equal((await http(s, 'POST', '/v1/subscriptions', { name: 'work', topic: 'jobs' })).status, 201);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'w', subscription: 'work', credits: 3 });
  await c.next(of('subscribed', 'w'));
  const [a, b, d] = await c.take(3, of('message', 'w'));
  // Held for up to 1 s: the answers to the messages after it come first.
  c.send({ type: 'ack', id: 'w', ackIds: [a!.ackId], lingerMs: 1_000, ref: 'held' });
  c.send({ type: 'modifyAckDeadline', id: 'w', ackIds: [b!.ackId], ackDeadlineMs: 60_000, ref: 'mod' });
  assert.deepEqual(await c.next(of('modified', 'w')), { type: 'modified', id: 'w', modified: 1, ignored: 0, ref: 'mod' });
  assert.equal(c.count(of('acked')), 0, 'the held ack is not answered before its write');
  // An ack that asks for no hold writes at once, and the held one with it.
  c.send({ type: 'ack', id: 'w', ackIds: [d!.ackId], ref: 'now' });
  const answers = [await c.next(of('acked', 'w')), await c.next(of('acked', 'w'))];
  assert.deepEqual(answers.map((m) => m.ref).sort(), ['held', 'now']);
  const stats = (await http(s, 'GET', '/v1/subscriptions/work')).json.stats as Record<string, number>;
  assert.equal(stats.inFlight, 1, 'a and d acked, b leased');
});

test('subscription stream with "encoding": "binary": binary frames of several messages that mean what the JSON messages mean; acks as usual', async (t) => {
  const s = await withLimits(t, { binaryFrameBytesMax: 300 });
  const value = (n: number) => ({ n, pad: 'x'.repeat(100) });
  await publish(s, 'jobs', [1, 2, 3, 4, 5].map(value), 0);
  const r = await http(s, 'POST', '/v1/topics/jobs/events', { events: [{ key: 'k', value: 'text', headers: { h: 'ü', e: '' }, partition: 0 }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  for (const name of ['as-json', 'as-binary']) assert.equal((await http(s, 'POST', '/v1/subscriptions', { name, topic: 'jobs' })).status, 201);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'j', subscription: 'as-json', credits: 6 });
  c.send({ type: 'subscribe', id: 'b', subscription: 'as-binary', credits: 6, encoding: 'binary' });
  const json = await c.take(6, of('message', 'j'));
  const binary = await c.take(6, of('message', 'b'));
  assert.ok(binary.every((m) => m.binary === true) && json.every((m) => m.binary === undefined));
  assert.deepEqual(
    binary.map((m) => JSON.parse(JSON.stringify([m.deliveryAttempt, m.event])) as unknown),
    json.map((m) => [m.deliveryAttempt, m.event]),
  );
  assert.deepEqual(
    binary.map((m) => m.ackId),
    json.map((m) => String(m.ackId).replace('as-json', 'as-binary')),
  );
  // Several messages per frame (each record ~150 bytes), at most binaryFrameBytesMax of records each.
  const frames = c.inbox.filter(of('frame', 'b'));
  assert.equal(frames.reduce((n, f) => n + (f.messages as number), 0), 6);
  assert.ok(frames.length < 6 && frames.every((f) => (f.recordBytes as number) <= 300), JSON.stringify(frames));
  c.send({ type: 'ack', id: 'b', ackIds: binary.map((m) => m.ackId), ref: 'a1' });
  assert.deepEqual(await c.next(of('acked', 'b')), { type: 'acked', id: 'b', acked: 6, ignored: 0, ref: 'a1' });
  assert.equal(((await http(s, 'GET', '/v1/subscriptions/as-binary')).json.stats as Record<string, number>).backlog, 0);
  assert.equal(await metric(s, 'eddy_ws_delivered_total', 'kind="message"'), 12);

  // A message larger than the bound travels alone.
  for (const f of frames) c.inbox.splice(c.inbox.indexOf(f), 1);
  await publish(s, 'jobs', [{ big: 'y'.repeat(1000) }], 0);
  c.send({ type: 'credit', id: 'b', credits: 5 });
  const lone = await c.next(of('frame', 'b'));
  assert.equal(lone.messages, 1);
  assert.ok((lone.recordBytes as number) > 1000);
  assert.deepEqual((((await c.next(of('message', 'b'))) as EventMsg).event.value), { big: 'y'.repeat(1000) });
});

test('binary messages frames built in reused buffers carry every message exactly as published, round after round', async (t) => {
  // Frames of ~40 KiB come from the broker's buffer pool and go back to it once written; later frames
  // are built in the buffers of earlier ones. Every value is distinct, so a buffer reused
  // too early (stale or overwritten bytes) would show as a wrong message.
  const released: number[] = [];
  const release = ReadBufferPool.prototype.release;
  ReadBufferPool.prototype.release = function (this: ReadBufferPool, frame: Uint8Array) {
    if (this.isLent(frame)) released.push(frame.length);
    release.call(this, frame);
  };
  t.after(() => {
    ReadBufferPool.prototype.release = release;
  });
  // Frames of at most ~40 KiB: each round's 100 messages go out as several frames in one tick.
  const s = await withLimits(t, { binaryFrameBytesMax: 40 * 1024 });
  const rounds = 5;
  const perRound = 100;
  const value = (n: number) => ({ n, pad: `${n}:`.repeat(1 + ((n * 37) % 200)).padEnd(1000, String.fromCharCode(97 + (n % 26))) });
  for (let r = 0; r < rounds; r++) await publish(s, 'bulk', Array.from({ length: perRound }, (_, i) => value(r * perRound + i)), 0);
  assert.equal((await http(s, 'POST', '/v1/subscriptions', { name: 'bulk-bin', topic: 'bulk' })).status, 201);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'b', subscription: 'bulk-bin', credits: perRound, encoding: 'binary' });
  const seen: unknown[] = [];
  for (let r = 0; r < rounds; r++) {
    const got = await c.take(perRound, of('message', 'b'));
    for (const m of got) seen.push((m as EventMsg).event.value);
    c.send({ type: 'ack', id: 'b', ackIds: got.map((m) => m.ackId) });
    await c.next(of('acked', 'b'));
    if (r < rounds - 1) c.send({ type: 'credit', id: 'b', credits: perRound });
  }
  assert.deepEqual(seen, Array.from({ length: rounds * perRound }, (_, n) => value(n)));
  assert.ok(released.length >= rounds - 1, `frames given back to the pool: ${JSON.stringify(released)}`);
});

test('subscription stream: `ref` is echoed in answers and errors; a nack `reason` reaches the dead letter', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'orders', [{ n: 1 }]);
  const created = await http(s, 'POST', '/v1/subscriptions', { name: 'mail', topic: 'orders', maxDeliveryAttempts: 1, deadLetterTopic: 'orders.dlq' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'm', subscription: 'mail', credits: 1 });
  await c.next(of('subscribed', 'm'));
  const msg = await c.next(of('message', 'm'));
  c.send({ type: 'modifyAckDeadline', id: 'm', ackIds: [msg.ackId], ackDeadlineMs: 60_000, ref: 'r1' });
  assert.deepEqual(await c.next(of('modified', 'm')), { type: 'modified', id: 'm', modified: 1, ignored: 0, ref: 'r1' });
  c.send({ type: 'ack', id: 'nope', ackIds: ['x'], ref: 'r2' });
  const err = await c.next(of('error', 'nope'));
  assert.equal(err.code, 'ws.stream_not_found');
  assert.equal(err.ref, 'r2', 'an error names the ref of the message that failed');
  c.send({ type: 'nack', id: 'm', ackIds: [msg.ackId], reason: 'smtp: mailbox full', ref: 'r3' });
  assert.deepEqual(await c.next(of('nacked', 'm')), { type: 'nacked', id: 'm', nacked: 1, ignored: 0, ref: 'r3' });
  // The last attempt failed: the dead letter carries the reason given.
  for (let polls = 0; ; polls++) {
    assert.ok(polls < 30, 'the dead letter was written');
    const r = await http(s, 'GET', '/v1/topics/orders.dlq/partitions/0/events?offset=0&limit=1&maxWaitMs=1000');
    const events = (r.json.events ?? []) as { headers: Record<string, string> }[];
    if (events.length === 0) continue;
    assert.equal(events[0]!.headers['eddy.dlq.reason'], 'smtp: mailbox full');
    break;
  }
  c.send({ type: 'nack', id: 'm', ackIds: ['x'], reason: '' });
  assert.equal((await c.next(of('error', 'm'))).code, 'request.invalid', 'an empty reason is refused');
  c.send({ type: 'ack', id: 'm', ackIds: ['x'], ref: 'r'.repeat(65) });
  assert.equal((await c.next(of('error', 'm'))).code, 'request.invalid', 'a ref over 64 characters is refused');
});

test('publish: JSON events and CloudEvents over the socket, answered with offsets once stored; pipelined publishes keep their order', async (t) => {
  const s = await withBroker(t);
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'orders', partitions: 3 })).status, 201);
  const c = await Client.open(t, s);
  // 40 publishes sent back to back, none awaited: each is answered, and one key's events keep the send order.
  for (let i = 0; i < 40; i++) c.send({ type: 'publish', ref: `p${i}`, topic: 'orders', events: [{ key: 'k', value: { i } }] });
  const answers = await c.take(40, of('published'));
  const byRef = new Map(answers.map((a) => [a.ref, (a.offsets as { partition: number; offset: number }[])[0]!]));
  const slots = Array.from({ length: 40 }, (_, i) => byRef.get(`p${i}`)!);
  assert.equal(new Set(slots.map((x) => x.partition)).size, 1, 'one key, one partition');
  assert.deepEqual(slots.map((x) => x.offset), Array.from({ length: 40 }, (_, i) => i), 'offsets follow the send order');
  const read = await http(s, 'GET', `/v1/topics/orders/partitions/${slots[0]!.partition}/events?offset=0&limit=100`);
  assert.deepEqual((read.json.events as { value: { i: number } }[]).map((e) => e.value.i), Array.from({ length: 40 }, (_, i) => i));

  const ce = { specversion: '1.0', id: 'evt-1', source: 'test', type: 'OrderPlaced', datacontenttype: 'application/json', partitionkey: 'k2', data: { orderId: 7 } };
  c.send({ type: 'publish', ref: 'ce', topic: 'orders', cloudevents: [ce] });
  const stored = (await c.next((m) => m.ref === 'ce')) as Msg & { offsets: { partition: number; offset: number; duplicate?: true }[] };
  assert.equal(stored.type, 'published');
  const at = stored.offsets[0]!;
  const back = await http(s, 'GET', `/v1/topics/orders/partitions/${at.partition}/events?offset=${at.offset}&limit=1`);
  const e = (back.json.events as { key: string; value: unknown; headers: Record<string, string> }[])[0]!;
  assert.equal(e.key, 'k2');
  assert.deepEqual(e.value, { orderId: 7 });
  assert.equal(e.headers.ce_id, 'evt-1', 'stored with the CloudEvents Kafka binding, as an HTTP publish');
  c.send({ type: 'publish', ref: 'again', topic: 'orders', cloudevents: [ce] });
  assert.deepEqual(((await c.next((m) => m.ref === 'again')).offsets as unknown[])[0], { ...at, duplicate: true }, 'a CloudEvent id is stored once');
  c.send({ type: 'publish', ref: 'later', topic: 'orders', cloudevents: [{ ...ce, id: 'evt-2', eddydelayms: 60_000 }] });
  const later = ((await c.next((m) => m.ref === 'later')).offsets as Record<string, unknown>[])[0]!;
  assert.equal(later.scheduled, true, 'a delayed event is scheduled, as over HTTP');
  assert.equal(await metric(s, 'eddy_published_events_total', 'topic="orders"'), 43, 'every accepted event counts, as over HTTP (the duplicate and the delayed one too)');
});

test('publish: invalid publishes are refused with the ref and a stable code and store nothing; the socket keeps working', async (t) => {
  const s = await withBroker(t);
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'orders' })).status, 201);
  const c = await Client.open(t, s);
  const ok = [{ value: 1 }];
  const expect = async (m: Record<string, unknown>, code: string) => {
    c.send(m);
    const e = await c.next(of('error'));
    assert.equal(e.code, code, `${JSON.stringify(m).slice(0, 200)} -> ${JSON.stringify(e)}`);
    if (typeof m.ref === 'string' && m.ref.length <= 64) assert.equal(e.ref, m.ref, 'the error names the publish');
  };
  await expect({ type: 'publish', topic: 'orders', events: ok }, 'request.invalid');
  await expect({ type: 'publish', ref: 'r'.repeat(65), topic: 'orders', events: ok }, 'request.invalid');
  await expect({ type: 'publish', ref: 'a', topic: 'orders', events: ok, id: 'x' }, 'request.invalid');
  await expect({ type: 'publish', ref: 'b', topic: 'orders' }, 'request.invalid');
  await expect({ type: 'publish', ref: 'c', topic: 'orders', events: ok, cloudevents: [] }, 'request.invalid');
  await expect({ type: 'publish', ref: 'd', topic: '', events: ok }, 'request.invalid');
  await expect({ type: 'publish', ref: 'e', topic: 'orders', events: [] }, 'request.invalid');
  await expect({ type: 'publish', ref: 'f', topic: 'orders', events: { value: 1 } }, 'request.invalid');
  await expect({ type: 'publish', ref: 'g', topic: 'orders', events: [{ key: 1 }] }, 'event.invalid');
  await expect({ type: 'publish', ref: 'h', topic: 'orders', events: Array.from({ length: 10_001 }, () => ({ value: 0 })) }, 'request.too_many_events');
  await expect({ type: 'publish', ref: 'i', topic: 'orders', cloudevents: [{ specversion: '1.0', source: 's', type: 't' }] }, 'event.invalid');
  await expect({ type: 'publish', ref: 'j', topic: 'orders', cloudevents: 'x' }, 'request.invalid');
  await expect({ type: 'publish', ref: 'k', topic: 'bad name!', events: ok }, 'topic.invalid_name');
  await expect({ type: 'publish', ref: 'l', topic: 'orders', events: [{ value: 1 }, { value: 2, partition: 5 }] }, 'partition.not_found');
  const d = await http(s, 'GET', '/v1/topics/orders');
  assert.equal((d.json.partitions as { latestOffset: number }[])[0]!.latestOffset, 0, 'nothing of a refused publish is stored');
  c.send({ type: 'publish', ref: 'fine', topic: 'orders', events: ok });
  assert.equal((await c.next((m) => m.ref === 'fine')).type, 'published');
});

/** A binary publish frame: 4-byte header length, the JSON header, then the data (dataBytes from `data` unless the header has its own). */
function binaryPublish(header: Record<string, unknown>, data: (string | null)[]): Buffer {
  return encodePublishFrame(JSON.stringify({ dataBytes: data.map((d) => (d === null ? -1 : Buffer.byteLength(d))), ...header }), data);
}

test('publish: a binary frame carries each event\'s data after its JSON header, stored as sent; bad frames are refused with a stable code and store nothing', async (t) => {
  const s = await withBroker(t);
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'orders' })).status, 201);
  const c = await Client.open(t, s);
  const ce = (id: string) => ({ specversion: '1.0', id, source: 'test', type: 'OrderPlaced', datacontenttype: 'application/json' });
  c.ws.send(binaryPublish({ type: 'publish', ref: 'bin', topic: 'orders', cloudevents: [ce('b1'), ce('b2'), { ...ce('b3'), datacontenttype: undefined }] }, ['{"orderId": 1}', null, '[1,2]']), { binary: true });
  const answer = await c.next((m) => m.ref === 'bin');
  assert.equal(answer.type, 'published', JSON.stringify(answer));
  const read = await http(s, 'GET', '/v1/topics/orders/partitions/0/events?offset=0&limit=10');
  const events = read.json.events as { value: unknown; headers: Record<string, string> }[];
  assert.deepEqual(events.map((e) => e.value), [{ orderId: 1 }, null, [1, 2]]);
  assert.deepEqual(events.map((e) => [e.headers.ce_id, e.headers['content-type']]), [['b1', 'application/json'], ['b2', 'application/json'], ['b3', 'application/json']], 'stored as a JSON publish stores them');

  const refuse = async (frame: Buffer, code: string, ref?: string) => {
    c.ws.send(frame, { binary: true });
    const e = await c.next(of('error'));
    assert.equal(e.code, code, `${frame.subarray(0, 120).toString()} -> ${JSON.stringify(e)}`);
    if (ref !== undefined) assert.equal(e.ref, ref, 'the error names the publish');
  };
  const head = (ref: string, n = 1) => ({ type: 'publish', ref, topic: 'orders', cloudevents: Array.from({ length: n }, (_, i) => ce(`${ref}${i}`)) });
  await refuse(Buffer.from([0, 0]), 'request.invalid');
  await refuse(Buffer.from([0, 0, 1, 0, 123]), 'request.invalid'); // header length past the frame
  await refuse(Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]), 'request.malformed_json');
  await refuse(binaryPublish({ type: 'subscribe', id: 'x', topic: 'orders' }, []), 'request.invalid');
  await refuse(binaryPublish({ ...head('a'), dataBytes: [5] }, ['{}']), 'request.invalid', 'a'); // more than follows
  await refuse(binaryPublish({ ...head('b'), dataBytes: [1] }, ['{}']), 'request.invalid', 'b'); // bytes left over
  await refuse(binaryPublish({ ...head('c', 2), dataBytes: [2] }, ['{}']), 'request.invalid', 'c'); // one length for two events
  await refuse(binaryPublish({ ...head('d'), dataBytes: [-2] }, []), 'request.invalid', 'd');
  await refuse(binaryPublish({ ...head('e'), dataBytes: ['2'] }, ['{}']), 'request.invalid', 'e');
  await refuse(binaryPublish({ ...head('f'), events: [{ value: 1 }] }, ['{}']), 'request.invalid', 'f'); // Eddy JSON events have no binary form
  await refuse(binaryPublish({ ...head('g'), cloudevents: [{ ...ce('g'), data: 1 }] }, ['{}']), 'event.invalid', 'g'); // data in both places
  await refuse(binaryPublish({ ...head('h'), cloudevents: [{ source: 's' }] }, ['{}']), 'event.invalid', 'h');
  assert.equal(((await http(s, 'GET', '/v1/topics/orders')).json.partitions as { latestOffset: number }[])[0]!.latestOffset, 3, 'nothing of a refused frame is stored');
  c.send({ type: 'publish', ref: 'fine', topic: 'orders', events: [{ value: 1 }] });
  assert.equal((await c.next((m) => m.ref === 'fine')).type, 'published', 'the socket keeps working');
});

test('publish: a records frame stores each event\'s record fields as sent, as a cloudevents frame stores the same events; bad ones are refused with a stable code and store nothing', async (t) => {
  const s = await withBroker(t);
  for (const name of ['as-records', 'as-cloudevents']) assert.equal((await http(s, 'POST', '/v1/topics', { name })).status, 201);
  const c = await Client.open(t, s);
  const ces = [0, 1, 2].map((i) => ({ specversion: '1.0', id: `e${i}`, source: 'test', type: 'OrderPlaced', datacontenttype: 'application/json', subject: `order-${i}`, ext: `é${i}` }));
  const datas = ['{"orderId": 0}', '[1,2]', '"x"'];
  const w = new RecordsFrameWriter(1 << 20);
  ces.forEach((ce, i) => {
    const r = cloudEventFromJson(ce, i, datas[i]!);
    w.add(r, w.size(r));
  });
  c.ws.send(w.take('{"type":"publish","topic":"as-records","ref":"rec"'), { binary: true });
  c.ws.send(binaryPublish({ type: 'publish', ref: 'ce', topic: 'as-cloudevents', cloudevents: ces }, datas), { binary: true });
  for (const ref of ['rec', 'ce']) assert.equal((await c.next((m) => m.ref === ref)).type, 'published', ref);
  const read = async (topic: string) => {
    const events = (await http(s, 'GET', `/v1/topics/${topic}/partitions/0/events?offset=0&limit=10`)).json.events as Record<string, unknown>[];
    return events.map(({ timestamp: _t, ...e }) => e);
  };
  const stored = await read('as-records');
  assert.equal(stored.length, 3);
  assert.deepEqual(stored, await read('as-cloudevents'), 'the same records, whichever frame carried them');
  assert.deepEqual((stored[0]!.headers as Record<string, string>).ce_ext, 'é0');

  // Refused: the whole frame, with the publish's ref; the socket keeps working.
  const refuse = async (frame: Buffer, code: string, ref: string) => {
    c.ws.send(frame, { binary: true });
    const e = await c.next(of('error'));
    assert.deepEqual([e.code, e.ref], [code, ref], JSON.stringify(e));
  };
  const frameOf = (ref: string, headers: { key: string; value: string | null }[]) => {
    const f = new RecordsFrameWriter(1 << 20);
    const good = cloudEventFromJson(ces[0]!, 0, '{}');
    f.add(good, f.size(good));
    const bad = { key: null, value: '{}', headers };
    f.add(bad, f.size(bad));
    return f.take(`{"type":"publish","topic":"as-records","ref":"${ref}"`);
  };
  await refuse(frameOf('no-id', [{ key: 'ce_specversion', value: '1.0' }, { key: 'ce_source', value: 's' }, { key: 'ce_type', value: 't' }]), 'event.invalid', 'no-id');
  await refuse(frameOf('delayed', [{ key: 'ce_eddydelayms', value: '5' }]), 'event.invalid', 'delayed');
  const lying = frameOf('lies', []);
  const headerBytes = lying.readUInt32BE(0);
  const header = JSON.parse(lying.subarray(4, 4 + headerBytes).toString()) as { records: number[] };
  const relabel = (records: number[]) => encodePublishFrame(JSON.stringify({ ...header, records }), [lying.subarray(4 + headerBytes)]);
  await refuse(relabel([header.records[0]!, header.records[1]! + 1]), 'request.invalid', 'lies'); // more than follows
  await refuse(relabel([header.records[0]! + 1, header.records[1]! - 1]), 'event.invalid', 'lies'); // a record given a byte of the next
  const latest = (await http(s, 'GET', '/v1/topics/as-records')).json.partitions as { latestOffset: number }[];
  assert.equal(latest[0]!.latestOffset, 3, 'nothing of a refused frame is stored');
  c.send({ type: 'publish', ref: 'fine', topic: 'as-records', events: [{ value: 1 }] });
  assert.equal((await c.next((m) => m.ref === 'fine')).type, 'published', 'the socket keeps working');
});

test('publish: a refusal by the broker (event too large) answers each publish and is not counted as an invalid message', async (t) => {
  const s = await withLimits(t, { errorsPerSocketMax: 3 });
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'small', config: { 'max.message.bytes': 200 } })).status, 201);
  const c = await Client.open(t, s);
  for (let i = 0; i < 5; i++) c.send({ type: 'publish', ref: `big${i}`, topic: 'small', events: [{ value: 'x'.repeat(500) }] });
  for (const e of await c.take(5, of('error'))) assert.equal(e.code, 'event.too_large');
  c.send({ type: 'publish', ref: 'fits', topic: 'small', events: [{ value: 'x' }] });
  assert.equal((await c.next((m) => m.ref === 'fits')).type, 'published', 'the socket is still open');
});

test('publish: a socket with pendingMessagesMax publishes in flight is not read until they finish; then every publish is answered in order', async (t) => {
  const io = new HeldIO();
  const s = await withLimits(t, { pendingMessagesMax: 4 }, { io });
  assert.equal((await http(s, 'POST', '/v1/topics', { name: 'slow' })).status, 201);
  let release!: () => void;
  io.hold = new Promise<void>((resolve) => (release = resolve));
  const c = await Client.open(t, s);
  // 20 publishes of 200 KB each: many socket reads, so a paused socket leaves the rest unread.
  for (let i = 0; i < 20; i++) c.send({ type: 'publish', ref: `p${i}`, topic: 'slow', events: [{ key: 'k', value: { i, pad: 'x'.repeat(200_000) } }] });
  await until(s, 'eddy_ws_pending_messages', '', (v) => v >= 4);
  for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve)); // the server shares this event loop
  assert.equal(await metric(s, 'eddy_ws_pending_messages'), 4, 'no more messages read while 4 are in flight');
  io.hold = null;
  release();
  const answers = await c.take(20, of('published'));
  assert.deepEqual(answers.map((a) => (a.offsets as { offset: number }[])[0]!.offset), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(answers.map((a) => a.ref), Array.from({ length: 20 }, (_, i) => `p${i}`));
  await until(s, 'eddy_ws_pending_messages', '', (v) => v === 0);
});

test('invalid messages get an error with a stable code and the socket keeps working', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'orders', [1]);
  await http(s, 'POST', '/v1/subscriptions', { name: 'work', topic: 'orders' });
  const c = await Client.open(t, s);
  const expect = async (m: unknown, code: string, id?: string) => {
    c.send(m);
    const e = await c.next(of('error'));
    assert.equal(e.code, code, `${JSON.stringify(m)} -> ${JSON.stringify(e)}`);
    assert.equal(typeof e.detail, 'string');
    if (id !== undefined) assert.equal(e.id, id);
  };
  await expect('{not json', 'request.malformed_json');
  await expect('[1,2]', 'request.invalid');
  await expect({ id: 'x' }, 'request.invalid');
  await expect({ type: 'hello', id: 'x' }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', topic: 'orders' }, 'request.invalid');
  await expect({ type: 'subscribe', id: 'x'.repeat(65), topic: 'orders' }, 'request.invalid');
  await expect({ type: 'subscribe', id: 'x' }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', subscription: 'work' }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', extra: 1 }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', credits: 10_001 }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', credits: -1 }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', from: 'soon' }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', from: { a: 1 } }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'missing' }, 'topic.not_found', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', partition: 7 }, 'partition.not_found', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', from: { '0': 99 } }, 'offset.out_of_range', 'x');
  await expect({ type: 'subscribe', id: 'x', subscription: 'missing' }, 'subscription.not_found', 'x');
  await expect({ type: 'subscribe', id: 'x', subscription: 'work', encoding: 'cbor' }, 'request.invalid', 'x');
  await expect({ type: 'subscribe', id: 'x', topic: 'orders', encoding: 'binary' }, 'request.invalid', 'x');
  await expect({ type: 'credit', id: 'nope', credits: 1 }, 'ws.stream_not_found', 'nope');
  await expect({ type: 'credit', id: 'nope' }, 'request.invalid', 'nope');
  await expect({ type: 'credit', id: 'nope', credits: 0 }, 'request.invalid', 'nope');

  c.send({ type: 'subscribe', id: 'o', topic: 'orders', from: 'earliest', credits: 9_999 });
  await c.next(of('subscribed', 'o'));
  await expect({ type: 'subscribe', id: 'o', topic: 'orders' }, 'ws.stream_exists', 'o');
  await expect({ type: 'credit', id: 'o', credits: 10_000 }, 'ws.credits_exceeded', 'o');
  await expect({ type: 'ack', id: 'o', ackIds: ['orders:0:0:1'] }, 'request.invalid', 'o');
  await expect({ type: 'ack', id: 'o', ackIds: [] }, 'request.invalid', 'o');
  c.send({ type: 'subscribe', id: 'w', subscription: 'work' });
  await c.next(of('subscribed', 'w'));
  await expect({ type: 'ack', id: 'w', ackIds: ['garbage'] }, 'subscription.unknown_ack_id', 'w');
  await expect({ type: 'nack', id: 'w', ackIds: ['work:0:0:1'], delayMs: -5 }, 'request.invalid', 'w');
  await expect({ type: 'ack', id: 'w', ackIds: ['work:0:0:1'], lingerMs: 1_001 }, 'request.invalid', 'w');
  await expect({ type: 'ack', id: 'w', ackIds: ['work:0:0:1'], lingerMs: -1 }, 'request.invalid', 'w');
  await expect({ type: 'ack', id: 'w', ackIds: ['work:0:0:1'], lingerMs: 2.5 }, 'request.invalid', 'w');
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await c.next(of('error'))).code, 'request.invalid');

  // Still working: the topic stream delivers, and a fresh stream can be opened.
  assert.equal(((await c.next(of('event', 'o'))) as EventMsg).event.value, 1);
  c.send({ type: 'subscribe', id: 'o2', topic: 'orders', from: 'earliest', credits: 1 });
  await c.next(of('subscribed', 'o2'));
  assert.equal(((await c.next(of('event', 'o2'))) as EventMsg).event.value, 1);
  assert.ok((await metric(s, 'eddy_ws_errors_total', 'code="request.invalid"')) >= 10);
});

test('limits: streams per socket, connections, oversized messages, too many errors', async (t) => {
  const s = await withLimits(t, { streamsPerSocketMax: 2, connectionsMax: 1, errorsPerSocketMax: 3, messageBytesMax: 1024 });
  await publish(s, 'orders', [1]);
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'a', topic: 'orders' });
  c.send({ type: 'subscribe', id: 'b', topic: 'orders' });
  c.send({ type: 'subscribe', id: 'c', topic: 'orders' });
  await c.take(2, of('subscribed'));
  assert.equal((await c.next(of('error', 'c'))).code, 'ws.too_many_streams');

  const second = new WebSocket(`${s.url.replace('http', 'ws')}/v1/ws`);
  const status = await new Promise<number>((resolve) => second.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  assert.equal(status, 503);
  const plain = await http(s, 'GET', '/v1/ws');
  assert.equal(plain.status, 503);
  assert.equal(plain.json.code, 'ws.too_many_connections');

  c.send({ type: 'subscribe', id: 'big', topic: 'x'.repeat(2000) });
  assert.equal((await c.closed).code, 1009);
  await until(s, 'eddy_ws_connections', '', (v) => v === 0);

  const d = await Client.open(t, s);
  d.send('{');
  d.send('{');
  d.send('{');
  assert.equal((await d.closed).code, 1008);
  assert.equal(d.count(of('error')), 3);
  await until(s, 'eddy_ws_connections', '', (v) => v === 0);
  const plainAgain = await http(s, 'GET', '/v1/ws');
  assert.equal(plainAgain.status, 400);
  assert.equal(plainAgain.json.code, 'request.invalid');
});

test('a client that never grants credits makes the server read nothing', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'orders', Array.from({ length: 200 }, (_, i) => i));
  await http(s, 'POST', '/v1/subscriptions', { name: 'work', topic: 'orders' });
  const c = await Client.open(t, s);
  c.send({ type: 'subscribe', id: 'o', topic: 'orders', from: 'earliest' });
  c.send({ type: 'subscribe', id: 'w', subscription: 'work' });
  await c.take(2, of('subscribed'));
  await until(s, 'eddy_ws_stream_readers', 'state="credits"', (v) => v === 2);
  assert.equal(await metric(s, 'eddy_ws_stream_readers', 'state="log"'), 0);
  assert.equal(await metric(s, 'eddy_ws_held_records'), 0);
  assert.equal(await metric(s, 'eddy_ws_delivered_total', 'kind="event"'), 0);
  const stats = (await http(s, 'GET', '/v1/subscriptions/work')).json.stats as Record<string, number>;
  assert.equal(stats.inFlight, 0, 'nothing leased for a stream without credits');
});

test('a client that never reads: the server stops reading once the socket buffer is full, and resumes on drain', async (t) => {
  const bufferBytesMax = 64 * 1024;
  const s = await withLimits(t, { socketBufferedBytesMax: bufferBytesMax, readRecordsMax: 10 });
  const total = 600;
  const value = 'v'.repeat(16 * 1024);
  for (let i = 0; i < total; i += 50) await publish(s, 'big', Array.from({ length: 50 }, (_, k) => ({ i: i + k, value })));
  const c = await Client.open(t, s);
  c.ws.pause(); // never reads: the kernel buffers fill, then the server's send buffer
  c.send({ type: 'subscribe', id: 'b', topic: 'big', from: 'earliest', credits: 10_000 });
  await until(s, 'eddy_ws_stream_readers', 'state="socket"', (v) => v === 1);
  const buffered = await metric(s, 'eddy_ws_buffered_bytes');
  assert.ok(buffered <= bufferBytesMax + 2 * (value.length + 1024), `at most one event past the bound, got ${buffered}`);
  assert.ok((await metric(s, 'eddy_ws_held_records')) <= 10, 'at most one read held');
  const sent = await metric(s, 'eddy_ws_delivered_total', 'kind="event"');
  assert.ok(sent < total, `the server stopped early (${sent} of ${total} sent)`);

  c.ws.resume();
  const events = (await c.take(total, of('event', 'b'))) as EventMsg[];
  assert.deepEqual(events.map((m) => (m.event.value as { i: number }).i), Array.from({ length: total }, (_, i) => i));
  await until(s, 'eddy_ws_stream_readers', 'state="log"', (v) => v === 1);
});

test('heartbeat: the server pings every socket; one that answers nothing is cut and releases its slot and streams, one that answers stays', async (t) => {
  const clock = new FakeClock();
  const s = await withLimits(t, { heartbeatMs: 30_000 }, { clock });
  await publish(s, 'orders', [1]);
  const alive = await Client.open(t, s); // answers pings (ws answers them by default) and sends nothing else
  let pings = 0;
  alive.ws.on('ping', () => pings++);
  const mute = new WebSocket(`${s.url.replace('http', 'ws')}/v1/ws`, { autoPong: false }); // a client that vanished without closing
  t.after(() => mute.terminate());
  await new Promise<void>((resolve, reject) => mute.once('open', () => resolve()).once('error', reject));
  const muteClosed = new Promise<void>((resolve) => mute.once('close', () => resolve()));
  mute.send(JSON.stringify({ type: 'subscribe', id: 'm', topic: 'orders', from: 'earliest', credits: 0 }));
  await until(s, 'eddy_ws_streams', '', (v) => v === 1);
  /** One heartbeat; resolves once `alive` got its ping and the server has read the answer. */
  const beat = async (n: number) => {
    clock.advance(30_000);
    await untilAll(s, async () => pings >= n || alive.ws.readyState !== WebSocket.OPEN);
    assert.equal(alive.ws.readyState, WebSocket.OPEN, 'a socket that answers pings stays open');
    // The server reads a socket's frames in order: its answer to this probe comes after it read the pong.
    await new Promise<void>((resolve) => {
      alive.ws.once('pong', () => resolve());
      alive.ws.ping('probe');
    });
  };
  await beat(1);
  assert.equal(mute.readyState, WebSocket.OPEN, 'one silent interval is not enough to be cut');
  await beat(2);
  await muteClosed;
  await until(s, 'eddy_ws_connections', '', (v) => v === 1);
  assert.equal(await metric(s, 'eddy_ws_streams'), 0, 'the stream of the cut socket is released');
  await beat(3);
});

test('closing a socket stops its streams and releases everything; other clients are unaffected', async (t) => {
  const s = await withBroker(t);
  await publish(s, 'orders', [1]);
  await http(s, 'POST', '/v1/subscriptions', { name: 'work', topic: 'orders', from: 'latest' });
  const a = await Client.open(t, s);
  const b = await Client.open(t, s);
  for (const c of [a, b]) {
    c.send({ type: 'subscribe', id: 'o', topic: 'orders', credits: 100 });
    await c.next(of('subscribed', 'o'));
  }
  a.send({ type: 'subscribe', id: 'w', subscription: 'work', credits: 100 });
  a.send({ type: 'subscribe', id: 'o2', topic: 'orders', from: 'earliest', credits: 0 });
  await a.take(2, of('subscribed'));
  assert.equal(await until(s, 'eddy_ws_connections', '', (v) => v === 2), 2);
  await until(s, 'eddy_ws_stream_readers', 'state="log"', (v) => v === 3); // two topic long polls + one pull
  assert.equal(await metric(s, 'eddy_ws_streams'), 4);

  a.ws.close();
  await a.closed;
  await until(s, 'eddy_ws_connections', '', (v) => v === 1);
  assert.equal(await metric(s, 'eddy_ws_streams'), 1);
  assert.equal(await until(s, 'eddy_ws_stream_readers', 'state="log"', (v) => v === 1), 1);
  assert.equal(await metric(s, 'eddy_ws_stream_readers', 'state="credits"'), 0);

  await publish(s, 'orders', [2]);
  assert.equal(((await b.next(of('event', 'o'))) as EventMsg).event.value, 2);
  const stats = (await http(s, 'GET', '/v1/subscriptions/work')).json.stats as Record<string, number>;
  assert.equal(stats.inFlight, 0, 'the closed socket leased nothing');
  assert.equal(stats.backlog, 1);

  b.ws.close();
  await b.closed;
  assert.equal(await until(s, 'eddy_ws_connections', '', (v) => v === 0), 0);
  assert.equal(await metric(s, 'eddy_ws_streams'), 0);
  assert.equal(await metric(s, 'eddy_ws_held_records'), 0);
});

test('the OpenAPI document describes /v1/ws', async (t) => {
  const s = await withBroker(t);
  const o = await http(s, 'GET', '/openapi.json');
  const paths = o.json.paths as Record<string, { get?: { description?: string } }>;
  assert.match(paths['/v1/ws']?.get?.description ?? '', /credit/);
});
