// One consumer group, two client libraries: a kafkajs 2.2.4 member and a librdkafka 2.0.2 member
// (`kcat -G`, a child process) on a 4-partition topic. kafkajs names its protocol
// "RoundRobinAssigner" and librdkafka offers "range" and "roundrobin", so a plain mix is refused
// with INCONSISTENT_GROUP_PROTOCOL (as Kafka does); here kafkajs runs its round-robin assigner under
// librdkafka's name "roundrobin", both speak the standard ConsumerProtocol subscription and
// assignment, and the group works: each member owns a share of the partitions, together they see
// every event exactly once, and when the kcat member is stopped (SIGTERM: librdkafka commits and
// leaves) the kafkajs member takes every partition and continues from the committed offsets.
// Every wait is on a condition (lines read, messages received, offsets committed), never on time.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { Kafka, logLevel, PartitionAssigners, type Consumer, type PartitionAssigner } from 'kafkajs';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';

const TOPIC = 'mixed';
const GROUP = 'mixed-group';
const PARTITIONS = 4;

/** kafkajs's RoundRobinAssigner under the name librdkafka uses for the same strategy. */
const roundrobin: PartitionAssigner = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, detail: () => string | Promise<string> = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await detail()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface KcatMember {
  child: ChildProcess;
  /** The partitions of its latest "rebalanced ... assigned:" line (stderr), null before any. */
  assigned(): number[] | null;
  /** Parsed stdout lines: partition, offset, value. */
  lines: { partition: number; offset: number; value: string }[];
  stderr(): string;
  exited: Promise<number | null>;
}

function startKcat(brokers: string): KcatMember {
  const child = spawn(
    'kcat',
    ['-b', brokers, '-G', GROUP, TOPIC, '-o', 'beginning', '-f', '%p %o %s\n', '-u', '-X', 'auto.commit.interval.ms=100', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: KcatMember['lines'] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const [p, o, ...v] = line.split(' ');
      lines.push({ partition: Number(p), offset: Number(o), value: v.join(' ') });
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code)); // after its output was read
  });
  const assigned = () => {
    const all = [...err.matchAll(/rebalanced \(memberid \S+\): (assigned|revoked): (.*)/g)];
    const last = all.at(-1);
    if (!last || last[1] !== 'assigned') return null;
    return [...last[2]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
  };
  return { child, assigned, lines, stderr: () => err, exited };
}

for (const firstMember of ['kafkajs', 'kcat'] as const) {
  test(`a kafkajs member and a kcat (librdkafka) member share one group (${firstMember} joins first and leads); kafkajs takes over from the committed offsets`, { timeout: 60_000 }, async (t) => {
    const { dir, cleanup } = await tempDir();
    const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
    const brokers = `localhost:${b.kafka!.port}`;
    const kafka = new Kafka({ clientId: 'mixed', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const clients: { disconnect(): Promise<void> }[] = [];
    let kcat: KcatMember | null = null;
    t.after(async () => {
      if (kcat && kcat.child.exitCode === null && kcat.child.signalCode === null) {
        kcat.child.kill('SIGKILL');
        await kcat.exited.catch(() => {});
      }
      for (const c of clients.reverse()) await c.disconnect().catch(() => {});
      await b.close();
      await cleanup();
    });
    await b.broker.createTopic(TOPIC, { partitions: PARTITIONS });
    const producer = kafka.producer();
    clients.push(producer);
    await producer.connect();
    const produce = async (prefix: string, n: number): Promise<string[]> => {
      const values = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
      return values;
    };
    const committed = async (): Promise<number[]> => {
      const r = await b.broker.groups.fetchOffsets({ groupId: GROUP, partitions: [0, 1, 2, 3].map((partition) => ({ topic: TOPIC, partition })) });
      return r.partitions.map((p) => p.offset);
    };

    let assignment: number[] = [];
    let generation = -1;
    let kafkajsLeads = false;
    const received: { partition: number; offset: number; value: string; generation: number }[] = [];
    const startKafkajs = async () => {
      const consumer: Consumer = kafka.consumer({ groupId: GROUP, partitionAssigners: [roundrobin], sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      clients.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        assignment = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort();
        kafkajsLeads = e.payload.isLeader;
        generation++;
      });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void received.push({ partition, offset: Number(message.offset), value: message.value!.toString(), generation }) });
    };

    // The first member alone owns every partition; when the second joins, a rebalance splits them.
    if (firstMember === 'kafkajs') {
      await startKafkajs();
      await until('kafkajs owns all four partitions', () => assignment.length === PARTITIONS);
      kcat = startKcat(brokers);
    } else {
      kcat = startKcat(brokers);
      const k0 = kcat;
      await until('kcat owns all four partitions', () => k0.assigned()?.length === PARTITIONS, 30_000, () => k0.stderr());
      await startKafkajs();
    }
    const k = kcat;
    await until('kafkajs keeps two partitions', () => assignment.length === 2, 30_000, () => k.stderr());
    await until('kcat gets the other two', () => k.assigned()?.length === 2, 30_000, () => k.stderr());
    assert.equal(kafkajsLeads, firstMember === 'kafkajs', `the ${firstMember} member leads and assigns`);
    const kafkajsShare = assignment;
    const splitGeneration = generation;
    const kcatShare = k.assigned()!;
    assert.deepEqual([...kafkajsShare, ...kcatShare].sort(), [0, 1, 2, 3], 'the shares are disjoint and cover the topic');
    const described = await b.broker.groups.describe(GROUP);
    assert.equal(described.state, 'Stable');
    assert.equal(described.protocol, 'roundrobin', 'the one protocol both libraries offer');
    assert.deepEqual(described.members.map((m) => m.clientId).sort(), ['mixed', 'rdkafka']);

    const first = await produce('a', 40);
    await until('40 events between the two members', () => received.length + k.lines.length >= 40, 30_000, () => k.stderr());
    await until('every offset committed', async () => (await committed()).every((o) => o === 10), 30_000, async () => `${await committed()}`);
    assert.equal(received.length + k.lines.length, 40, 'no event twice');
    assert.deepEqual([...received.map((m) => m.value), ...k.lines.map((l) => l.value)].sort(), [...first].sort(), 'every event exactly once');
    assert.ok(received.every((m) => kafkajsShare.includes(m.partition)), 'kafkajs read only its partitions');
    assert.ok(k.lines.every((l) => kcatShare.includes(l.partition)), `kcat read only its partitions ${kcatShare}`);
    assert.ok(received.length > 0 && k.lines.length > 0, 'both members consumed');
    assert.ok(received.every((m) => m.generation === splitGeneration), 'all in one generation: no rebalance while reading');
    for (const p of [0, 1, 2, 3]) {
      const offs = [...received.filter((m) => m.partition === p).map((m) => m.offset), ...k.lines.filter((l) => l.partition === p).map((l) => l.offset)];
      assert.deepEqual(offs, [...Array(10).keys()], `partition ${p} read once, in order`);
    }

    // kcat leaves: kafkajs takes every partition and starts at the committed offsets.
    const beforeLeave = received.length;
    kcat.child.kill('SIGTERM');
    assert.equal(await kcat.exited, 0, kcat.stderr());

    await until('kafkajs owns all four again', () => assignment.length === PARTITIONS);
    const second = await produce('b', 40);
    await until('the 40 new events', () => received.length >= beforeLeave + 40);
    await until('every offset committed again', async () => (await committed()).every((o) => o === 20));
    const after = received.slice(beforeLeave);
    assert.ok(after.every((m) => m.generation > splitGeneration), 'read in the generation after kcat left');
    assert.deepEqual(after.map((m) => m.value).sort(), [...second].sort(), 'only the new events: nothing re-read from the committed offsets');
    assert.deepEqual([...new Set(after.map((m) => m.partition))].sort(), [0, 1, 2, 3]);
    for (const p of [0, 1, 2, 3]) assert.deepEqual(after.filter((m) => m.partition === p).map((m) => m.offset), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
}
