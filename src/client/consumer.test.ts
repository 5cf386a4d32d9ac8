// The consumer against a scripted transport subscription whose acks the test releases by hand: a
// handler's slot is free again before its ack settles, the next event of a key still waits for the
// previous one's settlement, and pulling goes on while acks travel — up to activeMax waiting or
// running plus settlingMax settling, never more. No timers, no sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { activeMax, Consumer, settlingMax } from './consumer.ts';
import { defineEvent, type AnyEventDefinition } from './define-event.ts';
import { toWireRecord } from './envelope.ts';
import { retryPolicy } from './retry.ts';
import type { Delivery, PullOptions, TransportSubscription } from './transport.ts';

const Job = defineEvent('Job', { version: 1, schema: z.object({ n: z.number(), k: z.string() }), key: (j) => j.k });
const defs = new Map<string, AnyEventDefinition>([[Job.type, Job]]);

function delivery(n: number, k: string): Delivery {
  const record = toWireRecord({ specversion: '1.0', id: `id-${n}`, source: 'test', type: Job.type, time: '', datacontenttype: 'application/json', version: 1, partitionkey: k, data: { n, k } });
  return { ackId: `ack-${n}`, attempt: 1, record };
}

/** Deliveries queued by the test; acks wait until the test releases them. */
class ScriptedSubscription implements TransportSubscription {
  readonly queue: Delivery[] = [];
  readonly pulls: number[] = [];
  readonly acked: string[] = [];
  /** Keeps an endless supply: each pull gets `max` fresh deliveries with distinct keys. */
  endless = false;
  #next = 0;
  #acks: { ids: readonly string[]; release: () => void }[] = [];
  #wake: (() => void) | null = null;

  push(...ds: Delivery[]): void {
    this.queue.push(...ds);
    this.#wake?.();
  }

  get leased(): number {
    return this.#next;
  }

  async lag(): Promise<number> {
    return this.queue.length;
  }

  async pull(o: PullOptions): Promise<Delivery[]> {
    this.pulls.push(o.max);
    if (this.endless) {
      const out: Delivery[] = [];
      for (let i = 0; i < o.max; i++, this.#next++) out.push(delivery(this.#next, `k${this.#next}`));
      return out;
    }
    while (this.queue.length === 0 && !o.signal?.aborted) {
      await new Promise<void>((r) => {
        this.#wake = r;
        o.signal?.addEventListener('abort', () => r(), { once: true });
      });
    }
    const out = this.queue.splice(0, o.max);
    this.#next += out.length;
    return out;
  }

  ack(ids: readonly string[]): Promise<void> {
    return new Promise<void>((release) => this.#acks.push({ ids, release }));
  }

  get acksWaiting(): number {
    return this.#acks.length;
  }

  releaseAcks(): void {
    for (const a of this.#acks.splice(0)) {
      this.acked.push(...a.ids);
      a.release();
    }
  }

  async nack(): Promise<void> {}

  async close(): Promise<void> {}
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function consumer(sub: ScriptedSubscription, concurrency: number, handler: (data: unknown) => unknown): Consumer {
  const errors: unknown[] = [];
  const c = new Consumer(sub, defs, (d) => handler(d), {
    group: 'g',
    concurrency,
    retry: retryPolicy(),
    deadLetter: true,
    idempotency: null,
    pollWaitMs: 1000,
    random: () => 0.5,
    onError: (e) => errors.push(e),
  });
  return c;
}

test('a handler slot is free again before its ack settles', async () => {
  const sub = new ScriptedSubscription();
  const handled: number[] = [];
  const c = consumer(sub, 1, (d) => void handled.push((d as { n: number }).n));
  sub.push(delivery(1, 'a'), delivery(2, 'b'));
  await until('both handled with the first ack still waiting', () => handled.length === 2);
  assert.equal(sub.acked.length, 0, 'no ack has settled yet');
  sub.releaseAcks();
  await until('acks settled', () => sub.acked.length === 2);
  const closing = c.close();
  sub.releaseAcks();
  await closing;
});

test('the next event of a key waits until the previous one is settled', async () => {
  const sub = new ScriptedSubscription();
  const handled: number[] = [];
  const c = consumer(sub, 4, (d) => void handled.push((d as { n: number }).n));
  sub.push(delivery(1, 'a'), delivery(2, 'a'), delivery(3, 'b'));
  await until('first of each key handled', () => handled.length === 2);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(handled, [1, 3], 'event 2 (key a) waits for the ack of event 1');
  sub.releaseAcks();
  await until('event 2 handled', () => handled.length === 3);
  assert.deepEqual(handled, [1, 3, 2]);
  sub.releaseAcks();
  await until('all acked', () => sub.acked.length === 3);
  assert.deepEqual(sub.acked.slice(0, 2).sort(), ['ack-1', 'ack-3']);
  await c.close();
});

test('pulls go on while acks are in flight, bounded by activeMax + settlingMax', async () => {
  const sub = new ScriptedSubscription();
  sub.endless = true;
  const concurrency = 2;
  const bound = activeMax(concurrency) + settlingMax(concurrency);
  let handled = 0;
  const c = consumer(sub, concurrency, () => void handled++);
  await until('the consumer stops pulling at its bound', () => handled >= settlingMax(concurrency) && sub.acksWaiting >= settlingMax(concurrency));
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.equal(sub.leased, bound, 'it kept pulling while no ack had settled, up to the bound and no further');
  const pullsAtBound = sub.pulls.length;
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.equal(sub.pulls.length, pullsAtBound, 'no pull while at the bound');
  sub.releaseAcks();
  await until('pulling resumes once acks settle', () => sub.pulls.length > pullsAtBound);
  sub.endless = false;
  const closing = c.close();
  while (sub.acksWaiting > 0 || handled < sub.leased) {
    sub.releaseAcks();
    await new Promise((r) => setImmediate(r));
  }
  await closing;
  assert.equal(new Set(sub.acked).size, sub.leased, 'every leased delivery was acked once');
});
