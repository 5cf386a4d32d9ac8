// The HTTP API end to end over a real socket: every endpoint, the error paths with their stable codes,
// CloudEvents in structured, batch and binary mode, SSE with Last-Event-ID resume.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { startTestBroker } from './support/test-broker.ts';

const withBroker = (t: import('node:test').TestContext, options: { autoCreateTopics?: boolean } = {}): Promise<RunningBroker> => startTestBroker(t, options);

async function call(b: RunningBroker, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(b.http.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: json as Record<string, unknown> & { [k: string]: any } };
}

function assertProblem(r: { status: number; type: string; json: Record<string, unknown> }, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.match(r.type, /application\/problem\+json/);
  assert.equal(r.json.code, code);
  assert.equal(r.json.type, `urn:eddy:problem:${code}`);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
}

test('topics: create, list, describe, alter, delete, and their errors', async (t) => {
  const b = await withBroker(t);
  const c = await call(b, 'POST', '/v1/topics', { name: 'orders', partitions: 3, config: { 'retention.ms': '60000' } });
  assert.equal(c.status, 201);
  assert.equal(c.json.partitions.length, 3);
  assert.equal(c.json.config['retention.ms'], '60000');
  assert.equal(c.json.config['fsync.policy'], 'always');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'orders' }), 409, 'topic.already_exists');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'bad/name' }), 400, 'topic.invalid_name');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'x'.repeat(250) }), 400, 'topic.invalid_name');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'p0', partitions: 0 }), 400, 'topic.invalid_partitions');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'cfg', config: { 'no.such': '1' } }), 400, 'topic.invalid_config');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: 'cfg', config: { 'retention.ms': 'soon' } }), 400, 'topic.invalid_config');
  assertProblem(await call(b, 'POST', '/v1/topics', { name: '__eddy_x' }), 403, 'topic.internal');
  const l = await call(b, 'GET', '/v1/topics');
  assert.deepEqual(l.json.topics.map((x: { name: string }) => x.name), ['orders']);
  const d = await call(b, 'GET', '/v1/topics/orders');
  assert.deepEqual(d.json.partitions[2], { partition: 2, earliestOffset: 0, latestOffset: 0, bytes: 0, segments: 1, offline: null });
  const a = await call(b, 'PATCH', '/v1/topics/orders/config', { 'cleanup.policy': 'compact' });
  assert.equal(a.json.config['cleanup.policy'], 'compact');
  assertProblem(await call(b, 'GET', '/v1/topics/nope'), 404, 'topic.not_found');
  assert.equal((await call(b, 'DELETE', '/v1/topics/orders')).status, 204);
  assertProblem(await call(b, 'DELETE', '/v1/topics/orders'), 404, 'topic.not_found');
  assertProblem(await call(b, 'GET', '/v1/nothing-here'), 404, 'request.not_found');
});

test('publish JSON events and read them back; keys pick partitions like Kafka; ids deduplicate', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'ev', partitions: 4 });
  const p = await call(b, 'POST', '/v1/topics/ev/events', {
    events: [
      { key: 'user-1', value: { n: 1 }, headers: { source: 'test' } },
      { key: 'user-1', value: { n: 2 } },
      { value: 'no key', partition: 3, id: 'evt-1' },
      { value: null, key: 'tomb', partition: 3 },
    ],
  });
  assert.equal(p.status, 200);
  const offs = p.json.offsets as { partition: number; offset: number }[];
  assert.equal(offs[0]!.partition, offs[1]!.partition, 'same key, same partition');
  assert.equal(offs[1]!.offset, offs[0]!.offset + 1);
  assert.deepEqual(offs[2], { partition: 3, offset: 0 });
  const again = await call(b, 'POST', '/v1/topics/ev/events', { events: [{ value: 'retry', id: 'evt-1' }] });
  assert.deepEqual(again.json.offsets, [{ partition: 3, offset: 0, duplicate: true }]);
  const r = await call(b, 'GET', `/v1/topics/ev/partitions/${offs[0]!.partition}/events?offset=0`);
  assert.deepEqual(r.json.events.map((e: { value: unknown }) => e.value), [{ n: 1 }, { n: 2 }]);
  assert.equal(r.json.events[0].key, 'user-1');
  assert.equal(r.json.events[0].headers.source, 'test');
  assert.equal(r.json.nextOffset, 2);
  const p3 = await call(b, 'GET', '/v1/topics/ev/partitions/3/events?offset=0&limit=10');
  assert.equal(p3.json.events.length, 2, 'the duplicate was not stored');
  assert.equal(p3.json.events[1].value, null);
  const lim = await call(b, 'GET', `/v1/topics/ev/partitions/${offs[0]!.partition}/events?offset=1&limit=1`);
  assert.deepEqual(lim.json.events.map((e: { offset: number }) => e.offset), [1]);
});

test('publish and read errors: bad JSON, bad shapes, limits, unknown topics, bad offsets', async (t) => {
  const b = await withBroker(t, { autoCreateTopics: false });
  assertProblem(await call(b, 'POST', '/v1/topics/none/events', { events: [{ value: 1 }] }), 404, 'topic.not_found');
  await call(b, 'POST', '/v1/topics', { name: 'e', config: { 'max.message.bytes': '1000' } });
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', '{"events": [', { 'content-type': 'application/json' }), 400, 'request.malformed_json');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { nope: 1 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [] }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [{ key: 'k' }] }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [{ value: 1, key: 5 }] }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [{ value: 1, headers: { a: 1 } }] }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [{ value: 1, partition: 7 }] }), 404, 'partition.not_found');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: [{ value: 'x'.repeat(2000) }] }), 413, 'event.too_large');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', { events: Array.from({ length: 10_001 }, () => ({ value: 1 })) }), 400, 'request.too_many_events');
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', 'plain text', { 'content-type': 'text/plain' }), 415, 'request.unsupported_media_type');
  const huge = Buffer.alloc(33 * 1024 * 1024, 0x20);
  assertProblem(await call(b, 'POST', '/v1/topics/e/events', huge, { 'content-type': 'application/json' }), 413, 'request.body_too_large');
  assertProblem(await call(b, 'GET', '/v1/topics/e/partitions/0/events?offset=5'), 416, 'offset.out_of_range');
  assertProblem(await call(b, 'GET', '/v1/topics/e/partitions/0/events?offset=abc'), 400, 'offset.invalid');
  assertProblem(await call(b, 'GET', '/v1/topics/e/partitions/0/events?offset=0&limit=0'), 400, 'request.invalid');
  assertProblem(await call(b, 'GET', '/v1/topics/e/partitions/9/events?offset=0'), 404, 'partition.not_found');
  assertProblem(await call(b, 'GET', '/v1/topics/e/partitions/0/events?offset=0&maxWaitMs=999999'), 400, 'request.invalid');
  // After all of that the topic is untouched and still serves.
  const ok = await call(b, 'POST', '/v1/topics/e/events', { events: [{ value: 'fine' }] });
  assert.deepEqual(ok.json.offsets, [{ partition: 0, offset: 0 }]);
});

test('a publish whose events exceed max.message.bytes together is stored as several batches, in request order', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'split', config: { 'max.message.bytes': '10000' } });
  // 100 events of ~1 KiB: about 100 KiB for one partition, ten times the batch limit.
  const events = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `${i}:${'v'.repeat(1000)}`, partition: 0 }));
  const r = await call(b, 'POST', '/v1/topics/split/events', { events });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.offsets, events.map((_, i) => ({ partition: 0, offset: i })));
  const read = await call(b, 'GET', '/v1/topics/split/partitions/0/events?offset=0&limit=1000');
  assert.deepEqual(read.json.events.map((e: { value: string }) => Number(e.value.split(':')[0])), events.map((_, i) => i));
  const batches = (await b.broker.fetch('split', 0, 0, { maxBytes: 1 << 20 })).bytes;
  let count = 0;
  for (let pos = 0; pos < batches.length; pos += batches.readInt32BE(pos + 8) + 12) {
    assert.ok(batches.readInt32BE(pos + 8) + 12 <= 10_000, 'every stored batch is within max.message.bytes');
    count++;
  }
  assert.ok(count >= 10, `stored as ${count} batches`);
});

test('long-poll read returns as soon as an event arrives', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'lp' });
  const waiting = call(b, 'GET', '/v1/topics/lp/partitions/0/events?offset=0&maxWaitMs=30000');
  await call(b, 'POST', '/v1/topics/lp/events', { events: [{ value: 'wake' }] });
  const r = await waiting;
  assert.deepEqual(r.json.events.map((e: { value: unknown }) => e.value), ['wake']);
});

test('a long-poll read ends when its client goes away, and a finished read leaves nothing waiting', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'gone' });
  const log = b.broker.partitionLog('gone', 0);
  const { request } = await import('node:http');
  const req = request(`${b.http.url}/v1/topics/gone/partitions/0/events?offset=0&maxWaitMs=30000`, { agent: false });
  req.on('error', () => {}); // destroyed below
  req.end();
  const until = async (what: string, ok: () => boolean) => {
    for (let turn = 0; !ok(); turn++) {
      if (turn > 100_000) assert.fail(`still not ${what}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await until('waiting', () => log.waiting === 1);
  req.destroy();
  await until('released', () => log.waiting === 0);
  // A read that finishes (here by a publish) keeps nothing registered either.
  const waiting = call(b, 'GET', '/v1/topics/gone/partitions/0/events?offset=0&maxWaitMs=30000');
  await until('waiting again', () => log.waiting === 1);
  await call(b, 'POST', '/v1/topics/gone/events', { events: [{ value: 1 }] });
  assert.equal((await waiting).json.events.length, 1);
  assert.equal(log.waiting, 0);
});

test('CloudEvents: structured, batch and binary mode are stored with the Kafka binding', async (t) => {
  const b = await withBroker(t);
  const ce = { specversion: '1.0', id: 'ce-1', source: '/orders', type: 'OrderPlaced', subject: 'order-42', time: '2026-11-23T10:00:00Z', correlationid: 'c-1', data: { orderId: '42' } };
  const s = await call(b, 'POST', '/v1/topics/ce/events', JSON.stringify(ce), { 'content-type': 'application/cloudevents+json' });
  assert.equal(s.status, 200, JSON.stringify(s.json));
  const batch = [
    { specversion: '1.0', id: 'ce-2', source: '/orders', type: 'OrderPaid', partitionkey: 'order-42', datacontenttype: 'text/plain', data: 'paid' },
    { specversion: '1.0', id: 'ce-1', source: '/orders', type: 'OrderPlaced', data: {} },
  ];
  const bt = await call(b, 'POST', '/v1/topics/ce/events', JSON.stringify(batch), { 'content-type': 'application/cloudevents-batch+json' });
  assert.equal(bt.json.offsets[1].duplicate, true, 'the CloudEvent id feeds the duplicate window');
  const bin = await call(b, 'POST', '/v1/topics/ce/events', Buffer.from([1, 2, 3]), {
    'content-type': 'application/octet-stream',
    'ce-specversion': '1.0',
    'ce-id': 'ce-3',
    'ce-source': '/bin',
    'ce-type': 'Blob',
  });
  assert.equal(bin.status, 200, JSON.stringify(bin.json));
  const r = await call(b, 'GET', '/v1/topics/ce/partitions/0/events?offset=0');
  const [e1, e2, e3] = r.json.events;
  assert.equal(e1.key, 'order-42');
  assert.deepEqual(e1.value, { orderId: '42' });
  assert.equal(e1.headers.ce_id, 'ce-1');
  assert.equal(e1.headers.ce_type, 'OrderPlaced');
  assert.equal(e1.headers.ce_specversion, '1.0');
  assert.equal(e1.headers.ce_correlationid, 'c-1');
  assert.equal(e1.headers['content-type'], 'application/json');
  assert.equal(e2.key, 'order-42');
  assert.equal(e2.valueEncoding, 'base64');
  assert.equal(Buffer.from(e2.value, 'base64').toString(), 'paid');
  assert.equal(e2.headers['content-type'], 'text/plain');
  assert.equal(e3.headers.ce_type, 'Blob');
  assert.deepEqual([...Buffer.from(e3.value, 'base64')], [1, 2, 3]);
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', JSON.stringify({ specversion: '0.3', id: 'x', source: 's', type: 't' }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', JSON.stringify({ specversion: '1.0', source: 's', type: 't' }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', JSON.stringify({ id: 1 }), { 'content-type': 'application/cloudevents-batch+json' }), 400, 'request.invalid');
  // Attribute names: lowercase letters and digits, every time (valid names are remembered, invalid ones never).
  const named = (extra: Record<string, unknown>) => JSON.stringify({ specversion: '1.0', id: `n-${Object.keys(extra)[0]}`, source: 's', type: 't', ...extra });
  for (let i = 0; i < 2; i++) assertProblem(await call(b, 'POST', '/v1/topics/ce/events', named({ Bad_Name: 'x' }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', named({ ['x'.repeat(65)]: 'x' }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', named({ region: { nested: true } }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assertProblem(await call(b, 'POST', '/v1/topics/ce/events', named({ region: 'é'.repeat(32 * 1024 + 1) }), { 'content-type': 'application/cloudevents+json' }), 400, 'event.invalid');
  assert.equal((await call(b, 'POST', '/v1/topics/ce/events', named({ region: 'é'.repeat(32 * 1024) }), { 'content-type': 'application/cloudevents+json' })).status, 200);
});

test('SSE streams every record and resumes after Last-Event-ID', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 's', partitions: 2 });
  await call(b, 'POST', '/v1/topics/s/events', { events: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }, { value: 'c', partition: 0 }] });
  const read = async (headers: Record<string, string>, want: number, query = 'from=earliest') => {
    const ac = new AbortController();
    const res = await fetch(`${b.http.url}/v1/topics/s/stream?${query}`, { headers, signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const events: { id: string; value: unknown }[] = [];
    while (events.length < want) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      let i;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id && data) events.push({ id, value: JSON.parse(data).value });
      }
    }
    ac.abort();
    return events;
  };
  const first = await read({}, 3);
  assert.deepEqual(first.map((e) => e.value).sort(), ['a', 'b', 'c']);
  const last = first[first.length - 1]!;
  await call(b, 'POST', '/v1/topics/s/events', { events: [{ value: 'd', partition: 1 }] });
  const resumed = await read({ 'last-event-id': last.id }, 1);
  assert.deepEqual(resumed.map((e) => e.value), ['d'], `resumed after ${last.id}`);
  const bad = await fetch(`${b.http.url}/v1/topics/s/stream?from=yesterday`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, "request.invalid");
  const none = await fetch(`${b.http.url}/v1/topics/missing/stream`);
  assert.equal(none.status, 404);
});

test('healthz, metrics and openapi', async (t) => {
  const b = await withBroker(t);
  const h = await call(b, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.ready, true);
  await call(b, 'POST', '/v1/topics/m/events', { events: [{ value: 1 }] });
  const m = await fetch(b.http.url + '/metrics');
  const text = await m.text();
  assert.match(text, /eddy_fsync_policy\{policy="always"\} 1/);
  assert.match(text, /^eddy_subscription_window_bytes 0$/m);
  // A subscription pulled and not acked holds its records in its window: the gauge counts them.
  assert.equal((await call(b, 'POST', '/v1/subscriptions', { name: 'ms', topic: 'm', from: 'earliest' })).status, 201);
  assert.equal((await call(b, 'POST', '/v1/subscriptions/ms/pull', { max: 10 })).json.messages.length, 1);
  const held = Number(/^eddy_subscription_window_bytes (\d+)$/m.exec(await (await fetch(b.http.url + '/metrics')).text())?.[1]);
  assert.ok(held > 0, `held ${held}`);
  assert.match(text, /eddy_partition_high_watermark\{topic="m",partition="0"\} 1/);
  assert.match(text, /eddy_http_requests_total\{route="\/v1\/topics\/:topic\/events",method="POST",status="200"\} 1/);
  const syncs = Number(/^eddy_log_sync_seconds_count (\d+)$/m.exec(text)?.[1] ?? 0);
  assert.ok(syncs >= 1, `the publish's durable write is observed (${syncs})`);
  const o = await call(b, 'GET', '/openapi.json');
  assert.equal(o.json.openapi, '3.1.0');
  for (const path of ['/v1/topics', '/v1/topics/{topic}/events', '/v1/topics/{topic}/partitions/{partition}/events', '/v1/topics/{topic}/stream', '/healthz', '/metrics']) {
    assert.ok(o.json.paths[path], `openapi describes ${path}`);
  }
});

test('the duplicate window survives a restart: a retried publish is stored once', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  const first = await call(b, 'POST', '/v1/topics/dw/events', { events: [{ value: 1, id: 'once' }] });
  await call(b, 'POST', '/v1/topics/dw/events', JSON.stringify({ specversion: '1.0', id: 'ce-once', source: 's', type: 't', data: 1 }), { 'content-type': 'application/cloudevents+json' });
  await b.close();
  b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  try {
    const again = await call(b, 'POST', '/v1/topics/dw/events', { events: [{ value: 2, id: 'once' }] });
    assert.deepEqual(again.json.offsets, [{ ...first.json.offsets[0], duplicate: true }]);
    const ce = await call(b, 'POST', '/v1/topics/dw/events', JSON.stringify({ specversion: '1.0', id: 'ce-once', source: 's', type: 't', data: 2 }), { 'content-type': 'application/cloudevents+json' });
    assert.equal(ce.json.offsets[0].duplicate, true);
    const r = await call(b, 'GET', '/v1/topics/dw/partitions/0/events?offset=0');
    assert.equal(r.json.events.length, 2);
  } finally {
    await b.close();
  }
});

test('concurrent publishes of the same id store it once and answer the same offset', async (t) => {
  const b = await withBroker(t);
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => call(b, 'POST', '/v1/topics/race/events', { events: [{ value: i, id: 'same' }] })));
  const offsets = rs.map((r) => `${r.json.offsets[0].partition}:${r.json.offsets[0].offset}`);
  assert.equal(new Set(offsets).size, 1);
  assert.equal(rs.filter((r) => !r.json.offsets[0].duplicate).length, 1);
  const r = await call(b, 'GET', '/v1/topics/race/partitions/0/events?offset=0');
  assert.equal(r.json.events.length, 1);
});

test('deleting a topic deletes every group\'s committed offsets of it, durably (as Kafka)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  for (const name of ['gone', 'kept']) {
    await call(b, 'POST', '/v1/topics', { name });
    await call(b, 'POST', `/v1/topics/${name}/events`, { events: [{ value: 1 }, { value: 2 }, { value: 3 }] });
  }
  for (const group of ['a', 'b']) {
    const r = await call(b, 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic: 'gone', partition: 0, offset: 3 }, { topic: 'kept', partition: 0, offset: 2 }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  assert.equal((await call(b, 'DELETE', '/v1/topics/gone')).status, 204);
  const offsetsOf = async (group: string) => (await call(b, 'GET', `/v1/groups/${group}`)).json.offsets.map((o: { topic: string; committedOffset: number }) => [o.topic, o.committedOffset]);
  assert.deepEqual(await offsetsOf('a'), [['kept', 2]]);
  await b.close();
  b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  try {
    await call(b, 'POST', '/v1/topics', { name: 'gone' });
    assert.deepEqual(await offsetsOf('a'), [['kept', 2]], 'a topic created again under the name starts with no committed offsets');
    assert.deepEqual(await offsetsOf('b'), [['kept', 2]]);
  } finally {
    await b.close();
  }
});

test('consumer groups: committed offsets and lag over HTTP, durable across a restart', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  await call(b, 'POST', '/v1/topics', { name: 'g', partitions: 2 });
  await call(b, 'POST', '/v1/topics/g/events', { events: [1, 2, 3, 4, 5].map((v) => ({ value: v, partition: 0 })) });
  const commit = await b.broker.groups.commitOffsets({ groupId: 'billing', generationId: -1, memberId: '', offsets: [{ topic: 'g', partition: 0, offset: 3, metadata: null }] });
  assert.deepEqual(commit.partitions.map((p) => p.error), [undefined]);
  // A simple (generation -1) commit is allowed while the group has no members.
  const join = await b.broker.groups.join({
    groupId: 'billing', memberId: '', groupInstanceId: null, clientId: 'test', clientHost: '127.0.0.1', sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: new Uint8Array(0) }], requireKnownMemberId: false,
  });
  assert.equal(join.error, undefined);
  const list = await call(b, 'GET', '/v1/groups');
  assert.deepEqual(list.json.groups.map((g: { groupId: string }) => g.groupId), ['billing']);
  let d = await call(b, 'GET', '/v1/groups/billing');
  assert.equal(d.json.members.length, 1);
  assert.deepEqual(d.json.offsets, [{ topic: 'g', partition: 0, committedOffset: 3, metadata: '', highWatermark: 5, lag: 2 }]);
  assert.equal(d.json.totalLag, 2);
  assertProblem(await call(b, 'GET', '/v1/groups/nobody'), 404, 'group.not_found');
  await b.close();
  b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  try {
    d = await call(b, 'GET', '/v1/groups/billing');
    assert.equal(d.json.offsets[0].committedOffset, 3, 'committed offsets survive a restart');
    assert.equal(d.json.state, 'Empty');
  } finally {
    await b.close();
  }
});

test('concurrent first publishes to a new topic all succeed (auto-create race)', async (t) => {
  const b = await withBroker(t);
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => call(b, 'POST', '/v1/topics/fresh/events', { events: [{ value: i }] })));
  assert.deepEqual(rs.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
});
