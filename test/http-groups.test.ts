// Consumer-group membership over HTTP: join (held until the rebalance completes), heartbeat telling a
// member to rejoin, partitions shared and taken back, commits checked against the generation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';

test('HTTP members share a group\'s partitions, rebalance on join and leave, and commit with their generation', async (t) => {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
  t.after(async () => {
    await b.close();
    await cleanup();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(b.http.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as any };
  };
  await b.broker.createTopic('work', { partitions: 4 });
  const parts = (a: { topic: string; partitions: number[] }[]) => a.flatMap((x) => x.partitions.map((p) => `${x.topic}-${p}`)).sort();

  const a1 = await call('POST', '/v1/groups/workers/members', { topics: ['work'] });
  assert.equal(a1.status, 200, JSON.stringify(a1.json));
  assert.equal(a1.json.leader, true);
  assert.deepEqual(parts(a1.json.assignment), ['work-0', 'work-1', 'work-2', 'work-3']);

  const bJoin = call('POST', '/v1/groups/workers/members', { topics: ['work'] });
  // A learns about the rebalance from its heartbeat (wait on the condition, not on time).
  let hb;
  do hb = await call('POST', `/v1/groups/workers/members/${a1.json.memberId}/heartbeat`, { generationId: a1.json.generationId });
  while (hb.status === 200);
  assert.equal(hb.status, 409);
  assert.equal(hb.json.code, 'group.rebalance_in_progress');
  const a2 = await call('POST', '/v1/groups/workers/members', { topics: ['work'], memberId: a1.json.memberId });
  const b1 = await bJoin;
  assert.equal(a2.json.generationId, b1.json.generationId);
  assert.ok(a2.json.generationId > a1.json.generationId);
  assert.equal(a2.json.assignment[0].partitions.length + b1.json.assignment[0].partitions.length, 4);
  assert.deepEqual([...parts(a2.json.assignment), ...parts(b1.json.assignment)].sort(), ['work-0', 'work-1', 'work-2', 'work-3']);

  const stale = await call('POST', '/v1/groups/workers/offsets', { memberId: a2.json.memberId, generationId: a1.json.generationId, offsets: [{ topic: 'work', partition: 0, offset: 1 }] });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.code, 'group.illegal_generation');
  const ok = await call('POST', '/v1/groups/workers/offsets', { memberId: a2.json.memberId, generationId: a2.json.generationId, offsets: [{ topic: 'work', partition: 0, offset: 7 }] });
  assert.deepEqual(ok.json, { committed: 1 });
  const g = await call('GET', '/v1/groups/workers');
  assert.equal(g.json.members.length, 2);
  assert.equal(g.json.offsets.find((o: { partition: number }) => o.partition === 0).committedOffset, 7);

  assert.equal((await call('DELETE', `/v1/groups/workers/members/${b1.json.memberId}`)).status, 204);
  do hb = await call('POST', `/v1/groups/workers/members/${a2.json.memberId}/heartbeat`, { generationId: a2.json.generationId });
  while (hb.status === 200);
  const a3 = await call('POST', '/v1/groups/workers/members', { topics: ['work'], memberId: a2.json.memberId });
  assert.deepEqual(parts(a3.json.assignment), ['work-0', 'work-1', 'work-2', 'work-3'], 'the remaining member takes every partition');

  assert.equal((await call('POST', '/v1/groups/workers/members', { topics: [] })).json.code, 'request.invalid');
  assert.equal((await call('POST', '/v1/groups/workers/members', { topics: ['nope'] })).json.code, 'topic.not_found');
  assert.equal((await call('POST', '/v1/groups/workers/members', { topics: ['work'], sessionTimeoutMs: 10 })).json.code, 'request.invalid');
  assert.equal((await call('POST', `/v1/groups/workers/members/nobody/heartbeat`, { generationId: 1 })).json.code, 'group.unknown_member');
});
