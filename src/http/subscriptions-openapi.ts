// OpenAPI 3.1 paths of the subscription routes (src/http/subscriptions-routes.ts), spread into the
// document in openapi.ts. Bounds here mirror src/broker/subscriptions/limits.ts.

import { subscriptionLimits as L } from '../broker/subscriptions/limits.ts';

const errors = { default: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ackIds = { type: 'array', minItems: 1, maxItems: L.ackIdsPerRequestMax, items: { type: 'string', maxLength: L.ackIdLengthMax } };

export const subscriptionPaths = {
  '/v1/subscriptions': {
    get: { summary: 'List subscriptions', responses: { 200: { description: '{ subscriptions: Subscription[] }' }, ...errors } },
    post: {
      summary: 'Create a subscription (queue semantics over a topic: ack, nack, redelivery, dead letters)',
      requestBody: json({
        type: 'object',
        required: ['name', 'topic'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' },
          topic: { type: 'string' },
          ackDeadlineMs: { type: 'integer', minimum: L.ackDeadlineMsMin, maximum: L.ackDeadlineMsMax, default: 30000 },
          maxDeliveryAttempts: { type: 'integer', minimum: 0, maximum: L.maxDeliveryAttemptsMax, default: 5, description: '0 = unlimited, no dead letters' },
          deadLetterTopic: { type: 'string', description: 'default <topic>.dlq' },
          backoff: { type: 'object', additionalProperties: false, properties: { initialMs: { type: 'integer', minimum: 0, maximum: L.backoffMsMax }, multiplier: { type: 'number', minimum: 1, maximum: L.backoffMultiplierMax }, maxMs: { type: 'integer', minimum: 0, maximum: L.backoffMsMax } } },
          ordered: { type: 'boolean', description: 'per-key ordering within a partition' },
          from: { enum: ['earliest', 'latest'] },
        },
      }),
      responses: { 201: { description: 'Subscription' }, ...errors },
    },
  },
  '/v1/subscriptions/{name}': {
    parameters: [nameParam],
    get: { summary: 'A subscription: config and stats (backlog, inFlight, waiting, deadLettered, delivered)', responses: { 200: { description: 'Subscription' }, ...errors } },
    delete: { summary: 'Delete a subscription and its state', responses: { 204: { description: 'deleted' }, ...errors } },
  },
  '/v1/subscriptions/{name}/pull': {
    parameters: [nameParam],
    post: {
      summary: 'Lease up to max messages, waiting up to waitMs for one (long poll)',
      requestBody: json({ type: 'object', additionalProperties: false, properties: { max: { type: 'integer', minimum: 1, maximum: L.pullMessagesMax, default: 100 }, waitMs: { type: 'integer', minimum: 0, maximum: L.pullWaitMsMax, default: 0 } } }),
      responses: { 200: { description: '{ messages: [{ ackId, deliveryAttempt, event }] }' }, ...errors },
    },
  },
  '/v1/subscriptions/{name}/ack': {
    parameters: [nameParam],
    post: {
      summary: 'Acknowledge deliveries; answers once durable. Ack ids of deliveries no longer current are ignored (counted), malformed ones are refused',
      requestBody: json({ type: 'object', required: ['ackIds'], additionalProperties: false, properties: { ackIds } }),
      responses: { 200: { description: '{ acked, ignored }' }, ...errors },
    },
  },
  '/v1/subscriptions/{name}/nack': {
    parameters: [nameParam],
    post: {
      summary: 'Fail deliveries: redelivered after delayMs or the backoff, dead-lettered after the last attempt',
      requestBody: json({ type: 'object', required: ['ackIds'], additionalProperties: false, properties: { ackIds, delayMs: { type: 'integer', minimum: 0, maximum: L.backoffMsMax }, reason: { type: 'string', maxLength: L.nackReasonLengthMax } } }),
      responses: { 200: { description: '{ nacked, ignored }' }, ...errors },
    },
  },
} as const;
