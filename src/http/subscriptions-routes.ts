// HTTP routes for subscriptions (queue semantics over a topic): create / list / describe / delete,
// pull (long poll), ack, nack and modifyAckDeadline. Routes only translate: each body field is checked against its
// bound, one SubscriptionManager call runs, errors are thrown as EddyErrors for problem+json.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SubscriptionManager } from '../broker/subscriptions/manager.ts';
import { subscriptionLimits as L } from '../broker/subscriptions/limits.ts';
import type { SubscriptionConfig } from '../broker/subscriptions/config.ts';
import { EddyError } from '../errors.ts';
import { leasedMessageFieldsJson } from './events.ts';

type Params = { name: string };

function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EddyError('request.invalid', `body must be ${shape}`);
  return body as Record<string, unknown>;
}

function only(b: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(b)) if (!allowed.includes(k)) throw new EddyError('request.invalid', `unknown field "${k.slice(0, 64)}"; allowed: ${allowed.join(', ')}`);
}

function intField(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new EddyError('request.invalid', `${name} must be an integer in [${min}, ${max}]`);
  return v;
}

function view(c: SubscriptionConfig) {
  return { name: c.name, topic: c.topic, ackDeadlineMs: c.ackDeadlineMs, maxDeliveryAttempts: c.maxDeliveryAttempts, deadLetterTopic: c.deadLetterTopic, backoff: c.backoff, ordered: c.ordered, from: c.from, createdMs: c.createdMs };
}

export function registerSubscriptionRoutes(app: FastifyInstance, manager: SubscriptionManager): void {
  app.post('/v1/subscriptions', async (req: FastifyRequest<{ Body: unknown }>, reply) => {
    const b = objectBody(req.body, '{"name", "topic", ...}');
    only(b, ['name', 'topic', 'ackDeadlineMs', 'maxDeliveryAttempts', 'deadLetterTopic', 'backoff', 'ordered', 'from']);
    if (b.backoff !== undefined) only(objectBody(b.backoff, '{"initialMs", "multiplier", "maxMs"}'), ['initialMs', 'multiplier', 'maxMs']);
    // The manager validates every field against its bounds (subscription.invalid with the field name).
    const c = await manager.create(b as unknown as Parameters<SubscriptionManager['create']>[0]);
    return reply.code(201).send(view(c));
  });
  app.get('/v1/subscriptions', async () => ({ subscriptions: manager.list().map(view) }));
  app.get('/v1/subscriptions/:name', async (req: FastifyRequest<{ Params: Params }>) => {
    const c = manager.get(req.params.name);
    return { ...view(c), stats: manager.stats(c.name) };
  });
  app.delete('/v1/subscriptions/:name', async (req: FastifyRequest<{ Params: Params }>, reply) => {
    await manager.delete(req.params.name);
    return reply.code(204).send();
  });

  app.post('/v1/subscriptions/:name/pull', async (req: FastifyRequest<{ Params: Params; Body: unknown }>, reply) => {
    const b = req.body === undefined || req.body === null ? {} : objectBody(req.body, '{"max"?, "waitMs"?}');
    only(b, ['max', 'waitMs']);
    const max = intField(b.max, 'max', 1, L.pullMessagesMax);
    const waitMs = intField(b.waitMs, 'waitMs', 0, L.pullWaitMsMax);
    const ac = new AbortController();
    const onClose = () => ac.abort();
    req.raw.socket.once('close', onClose);
    try {
      const messages = await manager.pull(req.params.name, { ...(max !== undefined ? { max } : {}), ...(waitMs !== undefined ? { waitMs } : {}), signal: ac.signal });
      // Written as text: each stored JSON value goes in as it is (see recordViewJson).
      return reply.type('application/json; charset=utf-8').send(`{"messages":[${messages.map((m) => `{${leasedMessageFieldsJson(m)}}`).join(',')}]}`);
    } finally {
      req.raw.socket.off('close', onClose);
    }
  });
  app.post('/v1/subscriptions/:name/ack', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = objectBody(req.body, '{"ackIds": [...]}');
    only(b, ['ackIds']);
    return manager.ack(req.params.name, ackIds(b.ackIds));
  });
  app.post('/v1/subscriptions/:name/nack', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = objectBody(req.body, '{"ackIds": [...], "delayMs"?, "reason"?}');
    only(b, ['ackIds', 'delayMs', 'reason']);
    const delayMs = intField(b.delayMs, 'delayMs', 0, L.backoffMsMax);
    if (b.reason !== undefined && typeof b.reason !== 'string') throw new EddyError('request.invalid', 'reason must be a string');
    return manager.nack(req.params.name, ackIds(b.ackIds), { ...(delayMs !== undefined ? { delayMs } : {}), ...(b.reason !== undefined ? { reason: b.reason } : {}) });
  });
  // Lease extension (0 ends the lease like a nack without delay), as the WebSocket message of the same name.
  app.post('/v1/subscriptions/:name/modifyAckDeadline', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = objectBody(req.body, '{"ackIds": [...], "ackDeadlineMs"}');
    only(b, ['ackIds', 'ackDeadlineMs']);
    const ms = intField(b.ackDeadlineMs, 'ackDeadlineMs', 0, L.ackDeadlineMsMax);
    if (ms === undefined) throw new EddyError('request.invalid', `ackDeadlineMs must be an integer in [0, ${L.ackDeadlineMsMax}]`);
    return manager.modifyAckDeadline(req.params.name, ackIds(b.ackIds), ms);
  });
}

function ackIds(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new EddyError('request.invalid', 'ackIds must be a non-empty array of strings');
  if (v.length > L.ackIdsPerRequestMax) throw new EddyError('request.invalid', `at most ${L.ackIdsPerRequestMax} ack ids per request`);
  return v as string[]; // each one is parsed strictly by the manager (subscription.unknown_ack_id)
}
