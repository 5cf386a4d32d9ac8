// The handler-duration histogram and the per-event counters are Eddy's own (prom-client's observe and
// inc cost too much per event), so they must read exactly as prom-client's Histogram and Counter with
// the same name, buckets and labels would: the same text exposition, the same JSON, the same after a
// reset, for any observations.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { BusMetrics } from './metrics.ts';

const bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const observation = fc.record({
  type: fc.constantFrom('OrderPlaced', 'Item', 'a "quoted"\\type'),
  group: fc.constantFrom('g1', 'email-service'),
  // Bounds exactly (a value equal to a bound is in that bucket), values between them, above the last, zero and below.
  seconds: fc.oneof(fc.constantFrom(...bounds, 0, 61, 1e9, -1), fc.double({ min: 0, max: 100, noNaN: true })),
});

async function both(observations: { type: string; group: string; seconds: number }[]) {
  const ours = new BusMetrics();
  const reference = new Registry();
  const h = new Histogram({ name: 'eddy_handler_duration_seconds', help: 'Handler run time in seconds, successful or not.', labelNames: ['type', 'group'], buckets: bounds, registers: [reference] });
  for (const o of observations) {
    ours.handlerDuration.observe({ type: o.type, group: o.group }, o.seconds);
    h.observe({ type: o.type, group: o.group }, o.seconds);
  }
  return { ours: ours.registry, reference };
}

test('eddy_handler_duration_seconds reads exactly as a prom-client Histogram would', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(observation, { maxLength: 200 }), async (observations) => {
      const { ours, reference } = await both(observations);
      assert.equal(await ours.getSingleMetricAsString('eddy_handler_duration_seconds'), await reference.getSingleMetricAsString('eddy_handler_duration_seconds'));
      // prom-client's values also carry `exemplar: null` (exemplars are off unless enabled; ours has none).
      const json = async (r: Registry) => {
        const m = (await r.getMetricsAsJSON()).find((x) => x.name === 'eddy_handler_duration_seconds')!;
        const values = (m.values as { exemplar?: unknown }[]).map(({ exemplar, ...v }) => (assert.ok(exemplar === null || exemplar === undefined), v));
        return { ...m, values };
      };
      assert.deepEqual(await json(ours), await json(reference));
      ours.resetMetrics();
      reference.resetMetrics();
      assert.equal(await ours.getSingleMetricAsString('eddy_handler_duration_seconds'), await reference.getSingleMetricAsString('eddy_handler_duration_seconds'));
    }),
  );
});

test('a non-finite duration is refused, as prom-client refuses it', () => {
  const m = new BusMetrics();
  assert.throws(() => m.handlerDuration.observe({ type: 't', group: 'g' }, Number.NaN), TypeError);
  assert.throws(() => m.handlerDuration.observe({ type: 't', group: 'g' }, Number.POSITIVE_INFINITY), TypeError);
});

test('buses sharing a registry share the histogram', async () => {
  const registry = new Registry();
  const a = new BusMetrics(registry);
  const b = new BusMetrics(registry);
  assert.equal(a.handlerDuration, b.handlerDuration);
  a.handlerDuration.observe({ type: 't', group: 'g' }, 0.002);
  b.handlerDuration.observe({ type: 't', group: 'g' }, 0.002);
  assert.match(await registry.metrics(), /eddy_handler_duration_seconds_count\{type="t",group="g"\} 2/);
});

const outcome = fc.record({
  type: fc.constantFrom('OrderPlaced', 'Item', 'a "quoted"\\type'),
  group: fc.constantFrom('g1', 'email-service'),
  status: fc.constantFrom('ok', 'retry', 'dead_letter', 'duplicate'),
});

test('the per-event counters read exactly as prom-client Counters would', async () => {
  const names = ['eddy_events_published_total', 'eddy_events_processed_total', 'eddy_retries_total', 'eddy_dead_letters_total'];
  await fc.assert(
    fc.asyncProperty(fc.array(outcome, { maxLength: 200 }), async (outcomes) => {
      const ours = new BusMetrics();
      const reference = new Registry();
      const help = (name: string) => [ours.published, ours.processed, ours.retries, ours.deadLetters].find((c) => c.name === name)!.help;
      const counter = (name: string, labelNames: string[]) => new Counter({ name, help: help(name), labelNames, registers: [reference] });
      const published = counter('eddy_events_published_total', ['type']);
      const processed = counter('eddy_events_processed_total', ['type', 'group', 'status']);
      const retries = counter('eddy_retries_total', ['type', 'group']);
      const deadLetters = counter('eddy_dead_letters_total', ['type', 'group']);
      for (const o of outcomes) {
        ours.published.add(1, o.type);
        published.inc({ type: o.type });
        ours.processedAs(o.type, o.group, o.status as 'ok');
        processed.inc({ type: o.type, group: o.group, status: o.status });
        if (o.status === 'retry') retries.inc({ type: o.type, group: o.group });
        if (o.status === 'dead_letter') deadLetters.inc({ type: o.type, group: o.group });
      }
      for (const name of names) {
        assert.equal(await ours.registry.getSingleMetricAsString(name), await reference.getSingleMetricAsString(name));
        const json = async (r: Registry) => (await r.getMetricsAsJSON()).find((x) => x.name === name);
        assert.deepEqual(await json(ours.registry), await json(reference));
      }
      ours.registry.resetMetrics();
      reference.resetMetrics();
      for (const name of names) assert.equal(await ours.registry.getSingleMetricAsString(name), await reference.getSingleMetricAsString(name));
    }),
  );
});

test('a counter refuses a negative or non-finite step and the wrong number of labels, and inc() takes labels as prom-client does', async () => {
  const m = new BusMetrics();
  assert.throws(() => m.published.add(-1, 't'), TypeError);
  assert.throws(() => m.published.add(Number.NaN, 't'), TypeError);
  assert.throws(() => m.published.add(1, 't', 'extra'), TypeError);
  assert.throws(() => m.processed.add(1, 't', 'g'), TypeError);
  m.processed.inc({ type: 't', group: 'g', status: 'ok' }, 2);
  m.processed.add(1, 't', 'g', 'ok');
  assert.match(await m.registry.metrics(), /eddy_events_processed_total\{type="t",group="g",status="ok"\} 3/);
});
