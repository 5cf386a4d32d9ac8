// T2a / T5 / T6 in process on SimFileIO: seeded simulated power losses (unsynced writes dropped, torn
// or kept; directory entries likewise) while publishes are in flight. With fsync=always no
// acknowledged event is lost and every recovered partition is a prefix of what was written. An
// fdatasync EIO never leads to an acknowledgement; ENOSPC and the free-space floor refuse writes
// cleanly and writes resume when space returns.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../src/broker/broker.ts';
import { EddyError } from '../src/errors.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { Random, describeSeed, seedFromEnv } from '../src/testing/random.ts';
import { SimFileIO } from '../src/testing/sim-file-io.ts';
import type { FileHandle, FileIO } from '../src/log/file-io.ts';

const CRASHES = Number(process.env.EDDY_CRASHES ?? (process.env.EDDY_SOAK ? 100_000 : 1_000));
const DATA = '/data';
const PARTITIONS = 2;

/**
 * The broker's view of the disk for one process lifetime: after kill() every call fails, as a
 * process that lost power does no more I/O (the simulated disk itself lives on for the restart).
 */
function processIO(io: SimFileIO): { io: FileIO; kill(): void } {
  let dead = false;
  const guard = <T>(fn: () => Promise<T>): Promise<T> => (dead ? Promise.reject(Object.assign(new Error('process is dead'), { code: 'EIO' })) : fn());
  const wrapHandle = (h: FileHandle): FileHandle => ({
    read: (...a) => guard(() => h.read(...a)),
    writev: (...a) => guard(() => h.writev(...a)),
    datasync: () => guard(() => h.datasync()),
    truncate: (n) => guard(() => h.truncate(n)),
    size: () => guard(() => h.size()),
    close: () => guard(() => h.close()),
  });
  const view: FileIO = {
    open: (p, o) => guard(async () => wrapHandle(await io.open(p, o))),
    readFile: (p) => guard(() => io.readFile(p)),
    list: (d) => guard(() => io.list(d)),
    mkdir: (d) => guard(() => io.mkdir(d)),
    fsyncDir: (d) => guard(() => io.fsyncDir(d)),
    rename: (a, b) => guard(() => io.rename(a, b)),
    unlink: (p) => guard(() => io.unlink(p)),
    rmdir: (d) => guard(() => io.rmdir(d)),
    exists: (p) => guard(() => io.exists(p)),
    freeBytes: (p) => guard(() => io.freeBytes(p)),
  };
  return { io: view, kill: () => void (dead = true) };
}

let current: { kill(): void } | null = null;

async function openBroker(io: SimFileIO, clock: FakeClock): Promise<Broker> {
  const p = processIO(io);
  current = p;
  return Broker.open({ dataDir: DATA, io: p.io, clock, freeBytesFloor: 0 });
}

/** Power loss: the running broker does no more I/O, and the disk keeps only what it keeps. */
function powerLoss(io: SimFileIO, options: Parameters<SimFileIO['crash']>[0]): void {
  current?.kill();
  io.crash(options);
}

async function readValues(broker: Broker, partition: number): Promise<string[]> {
  const out: string[] = [];
  let offset = 0;
  for (;;) {
    const r = await broker.readRecords('pl', partition, offset, { limit: 10_000, maxBytes: 1 << 22 });
    for (const rec of r.records) {
      assert.equal(rec.offset, out.length, 'offsets are contiguous');
      out.push(Buffer.from(rec.value!).toString());
    }
    if (r.nextOffset >= r.highWatermark || r.records.length === 0) return out;
    offset = r.nextOffset;
  }
}

test(`${CRASHES} seeded power losses under fsync=always lose no acknowledged event`, { timeout: 900_000 }, async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(describeSeed(seed));
  const random = new Random(seed);
  const io = new SimFileIO({ listOrder: random });
  const clock = new FakeClock();
  let broker = await openBroker(io, clock);
  await broker.createTopic('pl', { partitions: PARTITIONS, config: { 'segment.bytes': '4096' } });
  const acked: Map<string, { partition: number; offset: number }> = new Map();
  let n = 0;
  let lost = 0;
  const modes = ['drop', 'tear', 'keep-some'] as const;
  for (let crash = 0; crash < CRASHES; crash++) {
    const inflight: Promise<void>[] = [];
    const publishes = random.int(1, 6);
    for (let i = 0; i < publishes; i++) {
      const events = Array.from({ length: random.int(1, 8) }, () => ({ key: null, value: Buffer.from(`v${n++}`), headers: [], partition: random.int(0, PARTITIONS) }));
      inflight.push(
        broker.publish('pl', events).then(
          (rs) => rs.forEach((r, k) => acked.set(events[k]!.value.toString(), r)),
          () => {},
        ),
      );
    }
    const yields = random.int(0, 40);
    for (let i = 0; i < yields; i++) await Promise.resolve();
    const before = io.snapshot();
    powerLoss(io, { random, unsynced: random.pick(modes) });
    await Promise.allSettled(inflight);
    await broker.abandon().catch(() => {});
    broker = await openBroker(io, clock);
    // Every partition's segment files are a prefix of what was written before the power loss.
    for (const [path, bytes] of io.snapshot()) {
      if (!path.endsWith('.log')) continue;
      const old = before.get(path);
      if (!old) {
        assert.equal(bytes.length, 0, `${path} appeared with data after a crash (${describeSeed(seed)})`);
        continue;
      }
      assert.ok(bytes.length <= old.length && Buffer.from(old.subarray(0, bytes.length)).equals(Buffer.from(bytes)), `${path} is a prefix after crash ${crash} (${describeSeed(seed)})`);
    }
    if (crash % 100 === 99 || crash === CRASHES - 1) {
      const present = new Map<string, { partition: number; offset: number }>();
      for (let p = 0; p < PARTITIONS; p++) (await readValues(broker, p)).forEach((v, offset) => present.set(v, { partition: p, offset }));
      for (const [v, at] of acked) {
        const got = present.get(v);
        if (!got || got.partition !== at.partition || got.offset !== at.offset) lost++;
      }
      assert.equal(lost, 0, `acknowledged events lost by crash ${crash} (${describeSeed(seed)})`);
    }
  }
  t.diagnostic(`acknowledged ${acked.size} of ${n} events across ${CRASHES} crashes`);
  assert.ok(acked.size > CRASHES / 4, 'the workload acknowledged events between crashes');
  await broker.close();
});

test('an fdatasync EIO fails the covered appends, fails the directory, and is never acknowledged', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(describeSeed(seed));
  const random = new Random(seed);
  for (let round = 0; round < 50; round++) {
    const io = new SimFileIO();
    const clock = new FakeClock();
    let broker = await openBroker(io, clock);
    await broker.createTopic('pl', { partitions: 1 });
    io.failOn({ op: 'datasync', path: '/pl-0/', nth: random.int(1, 20), errno: 'EIO', dropUnsyncedOnFail: true });
    const acked: string[] = [];
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const batch = Array.from({ length: 3 }, (_, k) => ({ key: null, value: Buffer.from(`e${i}-${k}`), headers: [] }));
      const results = await Promise.allSettled([broker.publish('pl', batch.slice(0, 2)), broker.publish('pl', batch.slice(2))]);
      results.forEach((r, k) => {
        const vals = k === 0 ? [`e${i}-0`, `e${i}-1`] : [`e${i}-2`];
        if (r.status === 'fulfilled') acked.push(...vals);
        else {
          assert.ok(r.reason instanceof EddyError);
          assert.equal(r.reason.code, 'log.fsync_failed');
          failures.push(...vals);
        }
      });
      if (failures.length > 0 && i > 0) {
        assert.equal(broker.health().ready, false, 'health turns not ready');
      }
    }
    assert.ok(failures.length > 0, 'the injected EIO fired');
    const firstFail = failures[0]!;
    assert.ok(!acked.some((v) => Number(v.slice(1).split('-')[0]) > Number(firstFail.slice(1).split('-')[0])), 'nothing is acknowledged after the failure');
    powerLoss(io, { random, unsynced: 'drop' });
    await broker.abandon().catch(() => {});
    broker = await openBroker(io, clock);
    const values = await readValues(broker, 0);
    for (const v of acked) assert.ok(values.includes(v), `acked ${v} survives (${describeSeed(seed)}, round ${round})`);
    assert.equal(broker.health().ready, true, 'a restart clears the failed state');
    await broker.close();
  }
});

test('ENOSPC mid-write leaves no partial bytes; the free-space floor refuses writes, reads go on, writes resume', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: DATA, io, clock, freeBytesFloor: 1_000_000 });
  await broker.createTopic('pl', { partitions: 1 });
  const one = (v: string) => [{ key: null, value: Buffer.from(v), headers: [] }];
  await broker.publish('pl', one('first'));
  io.failOn({ op: 'writev', path: '/pl-0/', errno: 'ENOSPC', partialBytes: 20 });
  await assert.rejects(broker.publish('pl', one('torn')), (e: unknown) => e instanceof EddyError && e.code === 'log.disk_full');
  await broker.publish('pl', one('second'));
  assert.deepEqual(await readValues(broker, 0), ['first', 'second']);
  io.setFreeBytes(10_000);
  await broker.logs.checkDiskSpace();
  assert.equal(broker.health().diskFull, true);
  await assert.rejects(broker.publish('pl', one('refused')), (e: unknown) => e instanceof EddyError && e.code === 'log.disk_full' && e.httpStatus === 507);
  assert.deepEqual(await readValues(broker, 0), ['first', 'second'], 'reads keep working');
  io.setFreeBytes(1e12);
  clock.advance(1000); // the periodic free-space check runs on the clock
  await broker.logs.checkDiskSpace();
  assert.equal(broker.health().diskFull, false);
  await broker.publish('pl', one('third'));
  assert.deepEqual(await readValues(broker, 0), ['first', 'second', 'third']);
  await broker.close();
});
