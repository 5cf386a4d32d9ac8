// Delayed delivery over HTTP: `delayMs` / `deliverAt` per JSON event, `eddydelayms` per CloudEvent,
// `eddy-delay-ms` / `eddy-deliver-at` headers for a whole request; scheduled slots in the answer,
// validation errors as problem+json, and a scheduled event surviving a broker restart.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { startTestBroker } from './support/test-broker.ts';

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // hang guard
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

const open = (t: import('node:test').TestContext): Promise<RunningBroker> => startTestBroker(t);

async function call(b: RunningBroker, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(b.http.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
}

async function events(b: RunningBroker, topic: string): Promise<{ value: unknown; headers: Record<string, string> }[]> {
  const r = await call(b, 'GET', `/v1/topics/${topic}/partitions/0/events?offset=earliest&limit=100`);
  return r.status === 200 ? r.body.events : [];
}

test('JSON events: delayMs / deliverAt are scheduled, others published at once, slots in request order', async (t) => {
  const b = await open(t);
  const before = Date.now();
  const r = await call(b, 'POST', '/v1/topics/orders/events', {
    events: [
      { value: { n: 1 } },
      { value: { n: 2 }, delayMs: 300, id: 'd-2' },
      { value: { n: 3 }, deliverAt: Date.now() + 400 },
      { value: { n: 4 }, deliverAt: Date.now() - 1000 }, // past: now
    ],
  });
  assert.equal(r.status, 200);
  const o = r.body.offsets;
  assert.deepEqual(o[0], { partition: 0, offset: 0 });
  assert.equal(o[1].scheduled, true);
  assert.equal(o[1].partition, null);
  assert.equal(o[1].offset, null);
  assert.equal(o[1].id, 'd-2');
  assert.ok(o[1].deliverAt >= before + 300);
  assert.equal(o[2].scheduled, true);
  assert.match(o[2].id, /^delayed-/);
  assert.deepEqual(o[3], { partition: 0, offset: 1 });
  // The two due now come first (a delayed one may already follow if the answer's fsync was slow).
  assert.deepEqual((await events(b, 'orders')).slice(0, 2).map((e) => e.value), [{ n: 1 }, { n: 4 }]);
  await until(async () => (await events(b, 'orders')).length === 4, 'delayed events delivered');
  assert.ok(Date.now() >= o[2].deliverAt);
  const all = await events(b, 'orders');
  // The delayed two come in the order of the due times the broker answered (n:3's deliverAt was
  // set before the request left, n:2's delay counts from its arrival: a slow request swaps them),
  // request order breaking a tie.
  const delayed = [{ n: 2, at: o[1].deliverAt as number }, { n: 3, at: o[2].deliverAt as number }].sort((x, y) => x.at - y.at);
  assert.deepEqual(all.map((e) => e.value), [{ n: 1 }, { n: 4 }, ...delayed.map(({ n }) => ({ n }))]);
  assert.equal(all.find((e) => (e.value as { n: number }).n === 2)!.headers['eddy.id'], 'd-2');
});

test('CloudEvents: eddy-delay-ms header for the request, eddydelayms attribute per event (not stored)', async (t) => {
  const b = await open(t);
  const ce = (id: string, extra: Record<string, unknown> = {}) => ({ specversion: '1.0', id, source: 's', type: 'T', data: { id }, ...extra });
  const r1 = await call(b, 'POST', '/v1/topics/ce/events', [ce('a'), ce('b')], { 'content-type': 'application/cloudevents-batch+json', 'eddy-delay-ms': '300' });
  assert.equal(r1.status, 200);
  assert.deepEqual(r1.body.offsets.map((s: { scheduled: boolean; id: string }) => [s.scheduled, s.id]), [[true, 'a'], [true, 'b']]);
  const r2 = await call(b, 'POST', '/v1/topics/ce/events', [ce('c', { eddydelayms: 200 }), ce('d')], { 'content-type': 'application/cloudevents-batch+json' });
  assert.equal(r2.body.offsets[0].scheduled, true);
  // d is stored at once: at offset 0 unless a and b came due first (r1's answer or this request slow).
  const d = r2.body.offsets[1] as { partition: number; offset: number; scheduled?: boolean };
  assert.equal(d.partition, 0);
  assert.equal(d.scheduled, undefined);
  const r3 = await fetch(`${b.http.url}/v1/topics/ce/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'ce-specversion': '1.0', 'ce-id': 'e', 'ce-source': 's', 'ce-type': 'T', 'ce-eddydelayms': '100' }, body: 'hello' });
  const s3 = ((await r3.json()) as { offsets: { scheduled: boolean; id: string; deliverAt: number }[] }).offsets[0]!;
  assert.equal(s3.scheduled, true);
  await until(async () => (await events(b, 'ce')).length === 5, 'all delivered');
  const all = await events(b, 'ce');
  // d where its answer put it; the scheduled ones by the due times the broker answered (each delay
  // counts from its request's arrival, so how long the requests took decides the order), scheduling
  // order breaking a tie.
  assert.equal(all[d.offset]!.headers.ce_id, 'd');
  const scheduled: { id: string; deliverAt: number }[] = [...r1.body.offsets, r2.body.offsets[0], s3];
  assert.deepEqual(
    all.filter((_, i) => i !== d.offset).map((e) => e.headers.ce_id),
    scheduled.sort((x, y) => x.deliverAt - y.deliverAt).map((x) => x.id),
  );
  for (const e of all) assert.equal(e.headers.ce_eddydelayms, undefined);
  // Retrying the same CloudEvent id with a delay: stored once (scheduling and duplicate window). A
  // fence scheduled after it with the same delay comes due no earlier (ties in scheduling order), so
  // once the fence is stored a wrongly scheduled retry would be stored too.
  await call(b, 'POST', '/v1/topics/ce/events', [ce('a')], { 'content-type': 'application/cloudevents-batch+json', 'eddy-delay-ms': '50' });
  await call(b, 'POST', '/v1/topics/ce/events', [ce('fence')], { 'content-type': 'application/cloudevents-batch+json', 'eddy-delay-ms': '50' });
  await until(async () => (await events(b, 'ce')).some((e) => e.headers.ce_id === 'fence'), 'the fence stored');
  assert.deepEqual((await events(b, 'ce')).map((e) => e.headers.ce_id).sort(), ['a', 'b', 'c', 'd', 'e', 'fence']);
});

test('validation: bad or out-of-bounds delays are 400 delay.invalid problems; nothing is stored', async (t) => {
  const b = await open(t);
  const year = 365 * 24 * 3600 * 1000;
  for (const bad of [{ delayMs: -1 }, { delayMs: 'soon' }, { delayMs: year + 1 }, { deliverAt: Date.now() + year + 60_000 }, { delayMs: 10, deliverAt: Date.now() + 10 }]) {
    const r = await call(b, 'POST', '/v1/topics/v/events', { events: [{ value: 1 }, { value: 2, ...bad }] });
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.body.code, 'delay.invalid');
    assert.match(r.body.detail, /events\[1\]/);
  }
  const h = await call(b, 'POST', '/v1/topics/v/events', [{ specversion: '1.0', id: 'x', source: 's', type: 'T' }], { 'content-type': 'application/cloudevents-batch+json', 'eddy-delay-ms': '1e3' });
  assert.equal(h.status, 400);
  assert.equal(h.body.code, 'delay.invalid');
  assert.deepEqual(await events(b, 'v'), []);
  assert.equal(b.delayed.pending, 0);
});

test('a scheduled event survives a broker restart and is delivered once after it', async (t) => {
  const { dir, cleanup } = await tempDir();
  let b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  const r = await call(b, 'POST', '/v1/topics/r/events', { events: [{ value: 'later', delayMs: 600, id: 'r-1' }] });
  assert.equal(r.body.offsets[0].scheduled, true);
  await b.close();
  b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  t.after(async () => {
    await b.close();
    await cleanup();
  });
  await until(async () => (await events(b, 'r')).length === 1, 'delivered after restart');
  assert.ok(Date.now() >= r.body.offsets[0].deliverAt);
  // Delivered once: a fence scheduled now comes due after anything the restart could deliver again.
  await call(b, 'POST', '/v1/topics/r/events', { events: [{ value: 'fence', delayMs: 50, id: 'r-fence' }] });
  await until(async () => (await events(b, 'r')).length >= 2, 'the fence delivered');
  assert.deepEqual((await events(b, 'r')).map((e) => e.value), ['later', 'fence']);
  assert.equal(b.delayed.pending, 0);
});
