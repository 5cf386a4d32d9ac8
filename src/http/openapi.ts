// The OpenAPI 3.1 description served at /openapi.json. Kept beside the routes; a test checks that
// every route the server registers is described here.

import { subscriptionPaths } from './subscriptions-openapi.ts';
import { wsLimits } from './ws-protocol.ts';

const problem = { $ref: '#/components/schemas/Problem' };
const errors = { default: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: problem } } } };
const topicParam = { name: 'topic', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Eddy HTTP API', version: '1' },
  paths: {
    ...subscriptionPaths,
    '/healthz': { get: { summary: 'Readiness: 200 when the data directory accepts writes, 503 otherwise', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/v1/topics': {
      get: { summary: 'List topics', responses: { 200: { description: '{ topics: Topic[] }' }, ...errors } },
      post: {
        summary: 'Create a topic',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, partitions: { type: 'integer', minimum: 1 }, config: { type: 'object' } } } } } },
        responses: { 201: { description: 'Topic' }, ...errors },
      },
    },
    '/v1/topics/{topic}': {
      parameters: [topicParam],
      get: { summary: 'Describe a topic (per partition: earliest, latest offset, bytes)', responses: { 200: { description: 'Topic' }, ...errors } },
      delete: { summary: 'Delete a topic and its data', responses: { 204: { description: 'deleted' }, ...errors } },
    },
    '/v1/topics/{topic}/config': {
      parameters: [topicParam],
      patch: { summary: 'Change topic config overrides (null removes one)', responses: { 200: { description: 'Topic' }, ...errors } },
    },
    '/v1/topics/{topic}/events': {
      parameters: [topicParam],
      post: {
        summary: 'Publish events; answers after they are durable (fsync=always)',
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: { type: 'object', required: ['value'], properties: { key: { type: 'string' }, value: {}, headers: { type: 'object', additionalProperties: { type: 'string' } }, partition: { type: 'integer' }, id: { type: 'string' }, delayMs: { type: 'integer', minimum: 0, maximum: 31_536_000_000 }, deliverAt: { type: 'integer', description: 'ms since the epoch, at most 365 days ahead' } } } } } } },
            'application/cloudevents+json': { schema: { type: 'object' } },
            'application/cloudevents-batch+json': { schema: { type: 'array' } },
          },
        },
        parameters: [
          { name: 'eddy-delay-ms', in: 'header', required: false, schema: { type: 'integer', minimum: 0 }, description: 'Delayed delivery for every event of the request (CloudEvents: or the eddydelayms attribute per event)' },
          { name: 'eddy-deliver-at', in: 'header', required: false, schema: { type: 'integer', minimum: 0 }, description: 'Delayed delivery at this time (ms since the epoch) for every event of the request' },
        ],
        responses: { 200: { description: '{ offsets: [{ partition, offset, duplicate? } | { partition: null, offset: null, scheduled: true, deliverAt, id }] } in request order (the second form for delayed events)' }, ...errors },
      },
    },
    '/v1/topics/{topic}/partitions/{partition}/events': {
      parameters: [topicParam, { name: 'partition', in: 'path', required: true, schema: { type: 'integer' } }],
      get: {
        summary: 'Read events from an offset (long poll with maxWaitMs)',
        parameters: [
          { name: 'offset', in: 'query', schema: { oneOf: [{ type: 'integer' }, { enum: ['earliest', 'latest'] }] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
          { name: 'maxWaitMs', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 60000 } },
        ],
        responses: { 200: { description: '{ events, nextOffset, highWatermark, logStartOffset }' }, ...errors },
      },
    },
    '/v1/groups': { get: { summary: 'List consumer groups (groupId, protocolType, state)', responses: { 200: { description: '{ groups }' }, ...errors } } },
    '/v1/groups/{group}/members': {
      parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' } }],
      post: { summary: 'Join (or rejoin with memberId) a consumer group; answers when the rebalance completes: { memberId, generationId, leader, assignment }', responses: { 200: { description: 'Membership' }, ...errors } },
    },
    '/v1/groups/{group}/members/{member}/heartbeat': {
      parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' } }, { name: 'member', in: 'path', required: true, schema: { type: 'string' } }],
      post: { summary: 'Heartbeat { generationId }; 409 group.rebalance_in_progress means join again', responses: { 200: { description: 'ok' }, ...errors } },
    },
    '/v1/groups/{group}/members/{member}': {
      parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' } }, { name: 'member', in: 'path', required: true, schema: { type: 'string' } }],
      delete: { summary: 'Leave the group', responses: { 204: { description: 'left' }, ...errors } },
    },
    '/v1/groups/{group}/offsets': {
      parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' } }],
      post: { summary: 'Commit offsets { offsets: [{ topic, partition, offset, metadata? }], memberId?, generationId? } (without a member: only while the group is empty)', responses: { 200: { description: '{ committed }' }, ...errors } },
    },
    '/v1/groups/{group}': {
      parameters: [{ name: 'group', in: 'path', required: true, schema: { type: 'string' } }],
      get: { summary: 'A consumer group: state, members, committed offsets, lag per partition', responses: { 200: { description: 'Group' }, ...errors } },
    },
    '/v1/topics/{topic}/stream': {
      parameters: [topicParam],
      get: {
        summary: 'Server-Sent Events, one per record; id = partition:offset[,p:o...]; resumable with Last-Event-ID',
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string', description: 'earliest | latest | timestamp in ms' } },
          { name: 'partition', in: 'query', schema: { type: 'integer' } },
        ],
        responses: { 200: { description: 'text/event-stream' }, ...errors },
      },
    },
    '/v1/ws': {
      get: {
        summary: 'WebSocket (upgrade): topic streams and subscription delivery with flow control by credits, and publishing',
        description:
          `JSON text frames (at most ${wsLimits.messageBytesMax} bytes), and binary publish frames: a 4-byte big-endian header length, a JSON header {type:"publish", ref, topic, cloudevents: [attributes without data], dataBytes: [byte length of each event's data, -1 for none]}, then the data, stored as sent; or a JSON header {type:"publish", ref, topic, records: [byte length of each event's record fields]}, then each CloudEvent as its Kafka record's fields (v2 record encoding from the key length on, ce_ headers and content-type as the Kafka binding's binary mode), checked and stored as sent. ` +
          'Client -> server: {type:"subscribe", id, topic, partition?, from?: "earliest"|"latest"|<ms>|{"<partition>": offset}, credits?} | ' +
          '{type:"subscribe", id, subscription, credits?, encoding?: "json"|"binary"} | {type:"credit", id, credits} | {type:"ack", id, ackIds} | {type:"nack", id, ackIds, delayMs?} | ' +
          '{type:"modifyAckDeadline", id, ackIds, ackDeadlineMs} | {type:"unsubscribe", id} | {type:"publish", ref, topic, events: [...] | cloudevents: [...]}. ' +
          'Server -> client: {type:"subscribed", id, ...} | {type:"event", id, event} | ' +
          '{type:"message", id, ackId, deliveryAttempt, event} (a stream subscribed with encoding "binary" gets binary frames instead: a 4-byte big-endian header length, a JSON header {type:"messages", id, messages: [[ackId, deliveryAttempt, partition, offset, timestampMs, recordBytes], ...]}, then each record as its Kafka batch stores it (v2 record encoding), in order) | {type:"acked"|"nacked"|"modified", id, ...counts} | {type:"published", ref, offsets} | {type:"unsubscribed", id, code?} | {type:"error", id?, ref?, code, detail}. ' +
          'A publish takes the events of POST /v1/topics/{topic}/events (Eddy JSON events or structured CloudEvents), starts when read, in order, and is answered once durable. ' +
          `The server never sends more events on a stream than the credits granted (initial credits 0 unless given; at most ${wsLimits.creditsOutstandingMax} outstanding) and stops reading while the socket send buffer is above ${wsLimits.socketBufferedBytesMax} bytes. ` +
          `The server pings every socket every ${wsLimits.heartbeatMs} ms and cuts one that sent nothing (message or pong) since the previous ping. ` +
          `Limits: ${wsLimits.streamsPerSocketMax} streams per socket, ${wsLimits.connectionsMax} sockets (503 ws.too_many_connections before the upgrade); ${wsLimits.errorsPerSocketMax} invalid messages close the socket with 1008.`,
        responses: { 101: { description: 'Switching Protocols' }, ...errors },
      },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'code'],
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' }, instance: { type: 'string' } },
      },
    },
  },
} as const;
