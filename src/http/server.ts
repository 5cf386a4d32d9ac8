// The HTTP front end (fastify): translates requests into Broker calls and answers JSON, or RFC 9457
// problem+json with a stable `code` for every error. Bodies are bounded by `httpBodyBytesMax` while
// they stream in, before any handler runs; every query value is parsed strictly against its limit.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Broker } from '../broker/broker.ts';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { cloudEventFromBinary, cloudEventFromJson, parseCloudEventBatch, parseJsonEvents, recordViewJson } from './events.ts';
import { publishWithDelays, type PublishSlot } from './delayed-publish.ts';
import { registerGroupRoutes } from './group-routes.ts';
import type { DelayedDelivery } from '../broker/delayed.ts';
import { createMetrics, type HttpMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { sendProblem, toEddyError } from './problem.ts';
import { streamTopic } from './sse.ts';
import type { SubscriptionManager } from '../broker/subscriptions/manager.ts';
import { registerSubscriptionRoutes } from './subscriptions-routes.ts';
import { registerWebSocket } from './ws.ts';
import type { WsLimits } from './ws-protocol.ts';

export interface HttpServerOptions {
  broker: Broker;
  bodyBytesMax?: number;
  subscriptions?: SubscriptionManager;
  /** Durable delayed delivery (`delayMs` / `deliverAt` on publish); refused with delay.unavailable without it. */
  delayed?: DelayedDelivery;
  /** Overrides of the WebSocket limits (tests use small ones). */
  ws?: Partial<WsLimits>;
}

type Params = { topic: string; partition: string };
type Query = Record<string, string | undefined>;

/** Parses a decimal integer query/path value within [min, max]; absent -> fallback. */
export function intParam(raw: string | undefined, name: string, min: number, max: number, fallback?: number): number {
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new EddyError('request.invalid', `${name} is required`);
  }
  if (!/^-?\d{1,16}$/.test(raw)) throw new EddyError(name === 'offset' ? 'offset.invalid' : 'request.invalid', `${name} must be an integer, got "${raw.slice(0, 40)}"`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new EddyError(name === 'offset' ? 'offset.invalid' : 'request.invalid', `${name} must be in [${min}, ${max}], got ${raw}`);
  return n;
}

export function buildHttpServer(options: HttpServerOptions): { app: FastifyInstance; metrics: HttpMetrics } {
  const { broker } = options;
  const app = Fastify({ bodyLimit: options.bodyBytesMax ?? limits.httpBodyBytesMax, logger: false, return503OnClosing: true });
  const metrics = createMetrics(broker, options.subscriptions);

  // Bodies are treated as data only (never merged into objects), so prototype-poisoning scans are not
  // needed; plain JSON.parse is markedly faster on large event batches.
  const jsonParser = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser);
  app.addContentTypeParser(['application/cloudevents+json', 'application/cloudevents-batch+json'], { parseAs: 'string' }, jsonParser);
  // Binary-mode CloudEvents carry any content type; the route checks for ce-* headers.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, _req, reply) => sendProblem(reply, toEddyError(err)));
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new EddyError('request.not_found', `no endpoint ${req.method} ${req.url.split('?')[0]}`)));
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/healthz', async (_req, reply) => {
    const h = broker.health();
    return reply.code(h.ready ? 200 : 503).send({ status: h.ready ? 'ok' : 'failed', ...h });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/openapi.json', async () => openApiDocument);

  app.post('/v1/topics', async (req: FastifyRequest<{ Body: unknown }>, reply) => {
    const b = req.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new EddyError('request.invalid', 'body must be {"name", "partitions"?, "config"?}');
    const { name, partitions, config } = b as { name?: unknown; partitions?: unknown; config?: unknown };
    if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) throw new EddyError('topic.invalid_config', 'config must be an object');
    const t = await broker.createTopic(name as string, {
      ...(partitions !== undefined ? { partitions: partitions as number } : {}),
      ...(config !== undefined ? { config: config as Record<string, unknown> } : {}),
    });
    return reply.code(201).send(t);
  });
  app.get('/v1/topics', async () => ({ topics: broker.listTopics() }));
  app.get('/v1/topics/:topic', async (req: FastifyRequest<{ Params: Params }>) => broker.describeTopic(req.params.topic));
  app.delete('/v1/topics/:topic', async (req: FastifyRequest<{ Params: Params }>, reply) => {
    await broker.deleteTopic(req.params.topic);
    return reply.code(204).send();
  });
  app.patch('/v1/topics/:topic/config', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = req.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new EddyError('request.invalid', 'body must be an object of config values');
    return broker.alterTopicConfig(req.params.topic, b as Record<string, string | number | null>);
  });

  app.post('/v1/topics/:topic/events', async (req: FastifyRequest<{ Params: Params; Body: unknown }>, reply: FastifyReply) => {
    const { count, published } = startPublish(req);
    const offsets = await published;
    metrics.publishedEvents.inc({ topic: req.params.topic }, count);
    return reply.send({ offsets });
  });

  /**
   * Parses the body and starts the publish; synchronous, so that neither the parsed body nor the
   * events stay referenced while the append waits for the disk (the route's async frame would keep
   * them alive, and the request object keeps `body`): they die young instead of being promoted.
   */
  function startPublish(req: FastifyRequest<{ Params: Params; Body: unknown }>): { count: number; published: Promise<PublishSlot[]> } {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let events;
    if (type === 'application/json') events = parseJsonEvents(req.body);
    else if (type === 'application/cloudevents+json') events = [cloudEventFromJson(req.body)];
    else if (type === 'application/cloudevents-batch+json') events = parseCloudEventBatch(req.body);
    else if (req.headers['ce-specversion'] !== undefined) events = [cloudEventFromBinary(req.headers, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))];
    else throw new EddyError('request.unsupported_media_type', `content type "${type}" is not accepted: use application/json, application/cloudevents+json, application/cloudevents-batch+json, or binary-mode CloudEvents (ce-* headers)`);
    req.body = undefined;
    // Delayed events (delayMs / deliverAt, or eddy-delay-ms / eddy-deliver-at headers) answer { partition: null, offset: null, scheduled: true, deliverAt, id }.
    return { count: events.length, published: publishWithDelays(broker, options.delayed, req.params.topic, events, req.headers) };
  }

  app.get('/v1/topics/:topic/partitions/:partition/events', async (req: FastifyRequest<{ Params: Params; Querystring: Query }>, reply) => {
    const partition = intParam(req.params.partition, 'partition', 0, limits.partitionsMax - 1);
    const q = req.query;
    const log = broker.partitionLog(req.params.topic, partition);
    const offset = q.offset === 'earliest' ? log.logStartOffset : q.offset === 'latest' ? log.highWatermark : intParam(q.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, log.logStartOffset);
    const limit = intParam(q.limit, 'limit', 1, limits.httpFetchEventsMax, 100);
    const maxWaitMs = intParam(q.maxWaitMs, 'maxWaitMs', 0, limits.longPollWaitMsMax, 0);
    // A long poll ends early when its client goes away. The listener is on the socket and removed
    // after the read: the request's own 'close' comes after every answer, and aborting then cost an
    // AbortError (a stack trace) per read.
    let r;
    if (maxWaitMs === 0) r = await broker.readTextRecords(req.params.topic, partition, offset, { limit, maxBytes: limits.httpFetchBytesMax });
    else {
      const ac = new AbortController();
      const onClose = () => ac.abort();
      req.raw.socket.once('close', onClose);
      try {
        r = await broker.readTextRecords(req.params.topic, partition, offset, { limit, maxBytes: limits.httpFetchBytesMax, maxWaitMs, signal: ac.signal });
      } finally {
        req.raw.socket.off('close', onClose);
      }
    }
    // Written as text: each stored JSON value goes in as it is (see recordViewJson).
    const events = r.records.map((rec) => recordViewJson(partition, rec)).join(',');
    return reply.type('application/json; charset=utf-8').send(`{"events":[${events}],"nextOffset":${r.nextOffset},"highWatermark":${r.highWatermark},"logStartOffset":${r.logStartOffset}}`);
  });

  app.get('/v1/groups', async () => {
    const r = await broker.groups.list();
    if (r.error) throw new EddyError(r.error, 'the group coordinator is not available');
    return { groups: r.groups };
  });
  app.get('/v1/groups/:group', async (req: FastifyRequest<{ Params: { group: string } }>) => {
    const g = req.params.group;
    if (g.length === 0 || g.length > 255) throw new EddyError('group.invalid_name', 'group id must be 1..255 characters');
    const d = await broker.describeGroup(g);
    if (d.state === 'Dead' && d.offsets.length === 0) throw new EddyError('group.not_found', `consumer group "${g}" does not exist`, { group: g });
    return d;
  });

  registerGroupRoutes(app, broker);

  app.get('/v1/topics/:topic/stream', (req: FastifyRequest<{ Params: Params; Querystring: Query }>, reply) => streamTopic(broker, req, reply, metrics));

  if (options.subscriptions) registerSubscriptionRoutes(app, options.subscriptions);
  registerWebSocket(app, { broker, metrics, ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}), ...(options.delayed ? { delayed: options.delayed } : {}), ...(options.ws ? { limits: options.ws } : {}) });

  return { app, metrics };
}
