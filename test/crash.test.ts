// T1: the real broker binary is SIGKILLed at seeded random moments while concurrent HTTP publishers
// write; after every restart, every acknowledged event is readable exactly once at its acknowledged
// offset, in order per partition, with contiguous offsets. Also: torn tails written into the active
// segment of a stopped broker are recovered and the broker takes writes again.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random, describeSeed, seedFromEnv } from '../src/testing/random.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { startChildBroker } from './support/child-broker.ts';

const PARTITIONS = 3;
const WRITERS = 4;
const CYCLES = Number(process.env.EDDY_CRASH_CYCLES ?? (process.env.EDDY_SOAK ? 200 : 20));

interface Ack {
  partition: number;
  offset: number;
  value: string;
}

async function readPartition(url: string, partition: number): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = 0;
  for (;;) {
    const res = await fetch(`${url}/v1/topics/crash/partitions/${partition}/events?offset=${offset}&limit=1000`);
    const body = (await res.json()) as { events: { offset: number; value: string }[]; nextOffset: number; highWatermark: number };
    for (const e of body.events) out.push({ offset: e.offset, value: e.value });
    if (body.events.length === 0 || body.nextOffset >= body.highWatermark) break;
    offset = body.nextOffset;
  }
  return out;
}

test(`SIGKILL during concurrent publishes loses no acknowledged event (${CYCLES} cycles)`, { timeout: 600_000 }, async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(describeSeed(seed));
  const random = new Random(seed);
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const acks: Ack[] = [];
  let unknown = 0;
  let seq = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const broker = await startChildBroker(dir);
    if (cycle === 0) {
      const r = await fetch(`${broker.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash', partitions: PARTITIONS }) });
      assert.equal(r.status, 201);
    }
    let killed = false;
    const writer = async (w: number) => {
      while (!killed) {
        const values = Array.from({ length: 1 + random.int(0, 20) }, () => `w${w}-${seq++}`);
        const partition = random.int(0, PARTITIONS);
        try {
          const res = await fetch(`${broker.url}/v1/topics/crash/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ events: values.map((v) => ({ value: v, partition })) }),
          });
          const body = (await res.json()) as { offsets: { partition: number; offset: number }[] };
          assert.equal(res.status, 200);
          body.offsets.forEach((o, i) => acks.push({ partition: o.partition, offset: o.offset, value: values[i]! }));
        } catch {
          unknown += values.length; // connection died with the broker: outcome unknown
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, random.int(30, 300))); // the fault schedule, not a wait for a condition
    killed = true;
    await broker.stop('SIGKILL');
    await Promise.all(writers);
  }
  const final = await startChildBroker(dir);
  try {
    const logs = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readPartition(final.url, p)));
    const seen = new Set<string>();
    for (let p = 0; p < PARTITIONS; p++) {
      logs[p]!.forEach((e, i) => {
        assert.equal(e.offset, i, `partition ${p}: offsets are contiguous from 0`);
        assert.ok(!seen.has(e.value), `${e.value} appears once`);
        seen.add(e.value);
      });
    }
    for (const a of acks) {
      const got = logs[a.partition]![a.offset];
      assert.equal(got?.value, a.value, `acknowledged ${a.value} at ${a.partition}:${a.offset} is there (${describeSeed(seed)})`);
    }
    // Within a partition, each writer's events appear in the order it sent them.
    for (const log of logs) {
      const last = new Map<string, number>();
      for (const e of log) {
        const [w, n] = e.value.split('-');
        assert.ok((last.get(w!) ?? -1) < Number(n), `writer order kept for ${e.value}`);
        last.set(w!, Number(n));
      }
    }
    t.diagnostic(`acked ${acks.length}, unknown outcome ${unknown}, stored ${seen.size}`);
    assert.ok(acks.length > 0, 'the workload acknowledged events');
  } finally {
    await final.stop();
  }
});

test('a torn tail in the active segment is truncated on restart and writes continue', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let broker = await startChildBroker(dir);
  const post = (url: string, values: string[]) =>
    fetch(`${url}/v1/topics/torn/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: values.map((value) => ({ value })) }) });
  for (let i = 0; i < 5; i++) assert.equal((await post(broker.url, [`a${i}`, `b${i}`])).status, 200);
  await broker.stop('SIGKILL');
  const seg = join(dir, 'torn-0', (await readdir(join(dir, 'torn-0'))).find((n) => n.endsWith('.log'))!);
  const bytes = await readFile(seg);
  await writeFile(seg, bytes.subarray(0, bytes.length - 7)); // tear the last batch
  broker = await startChildBroker(dir);
  try {
    assert.match(broker.output(), /recovered torn-0: scanned 1 segment\(s\), truncated \d+ byte/);
    const r = await (await fetch(`${broker.url}/v1/topics/torn/partitions/0/events?offset=0`)).json() as { events: { value: string }[] };
    assert.deepEqual(r.events.map((e) => e.value), ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    const w = (await (await post(broker.url, ['after'])).json()) as { offsets: { offset: number }[] };
    assert.deepEqual(w.offsets, [{ partition: 0, offset: 8 }]);
  } finally {
    await broker.stop();
  }
});

test('mid-log corruption takes only that partition offline; eddy repair cuts the damage out and it serves again', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let broker = await startChildBroker(dir);
  const post = (url: string, topic: string, values: string[]) =>
    fetch(`${url}/v1/topics/${topic}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: values.map((value) => ({ value })) }) });
  for (let i = 0; i < 5; i++) {
    assert.equal((await post(broker.url, 'bad', [`x${i}`])).status, 200);
    assert.equal((await post(broker.url, 'good', [`y${i}`])).status, 200);
  }
  await broker.stop('SIGKILL');
  const seg = join(dir, 'bad-0', '00000000000000000000.log');
  const bytes = await readFile(seg);
  const second = bytes.readInt32BE(8) + 12; // start of the second batch
  bytes[second + 30]! ^= 0x40;
  await writeFile(seg, bytes);
  broker = await startChildBroker(dir);
  try {
    assert.match(broker.output(), /partition bad-0 offline/);
    const r = await fetch(`${broker.url}/v1/topics/bad/partitions/0/events?offset=0`);
    assert.equal(r.status, 503);
    const p = (await r.json()) as { code: string; file: string; position: number };
    assert.equal(p.code, 'partition.offline');
    assert.equal(p.position, second);
    const w = await post(broker.url, 'bad', ['refused']);
    assert.equal(w.status, 503);
    const good = await post(broker.url, 'good', ['still fine']);
    assert.equal(good.status, 200, 'other partitions keep serving');
    const h = (await (await fetch(`${broker.url}/healthz`)).json()) as { offlinePartitions: string[] };
    assert.deepEqual(h.offlinePartitions, ['bad-0']);
  } finally {
    await broker.stop();
  }
  assert.equal(await readFile(seg).then((b) => b.length), bytes.length, 'nothing was truncated');
  const { spawnSync } = await import('node:child_process');
  const { eddyBin } = await import('./support/child-broker.ts');
  const dry = spawnSync(process.execPath, [eddyBin, 'repair', '--data-dir', dir, '--dry-run'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /would cut \d+ byte\(s\) at .*bad-0\/00000000000000000000\.log:\d+/);
  const fix = spawnSync(process.execPath, [eddyBin, 'repair', '--data-dir', dir, '--json'], { encoding: 'utf8' });
  assert.equal(fix.status, 0, fix.stderr);
  const report = JSON.parse(fix.stdout) as { repairs: { position: number; quarantine: string }[] };
  assert.equal(report.repairs.length, 1);
  assert.equal(report.repairs[0]!.position, second);
  assert.ok((await readdir(join(dir, 'bad-0'))).some((n) => n.includes('.corrupt-')));
  broker = await startChildBroker(dir);
  try {
    const r = (await (await fetch(`${broker.url}/v1/topics/bad/partitions/0/events?offset=0`)).json()) as { events: { offset: number; value: string }[] };
    assert.deepEqual(r.events.map((e) => [e.offset, e.value]), [[0, 'x0'], [2, 'x2'], [3, 'x3'], [4, 'x4']], 'the damaged batch is gone, the rest keep their offsets');
    assert.equal((await post(broker.url, 'bad', ['after repair'])).status, 200);
  } finally {
    await broker.stop();
  }
});
