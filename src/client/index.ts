// The `eddy` package entry: the EventBus SDK. Declare events with defineEvent, create a bus over a
// transport (memory, a remote or embedded Eddy broker), publish and subscribe with typed payloads.
// Everything exported here is public API; errors are EddyErrors with stable `code`s.

export { defineEvent, validateEvent, decodeEvent } from './define-event.ts';
export type { EventDefinition, AnyEventDefinition, EventOptions, EventInput, EventOutput, Upcaster } from './define-event.ts';
export { createEventBus, item } from './bus.ts';
export type { EventBus, EventBusOptions, PublishOptions, PublishItem, PublishItems, SubscribeOptions, SubscriptionHandle } from './bus.ts';
export type { EventContext } from './context.ts';
export type { Trace, TraceNode, TraceOptions } from './trace.ts';
export type { ReconnectOptions } from './eddy-transport.ts';
export { toStructured, toWireRecord, fromWireRecord } from './envelope.ts';
export type { Envelope, WireRecord } from './envelope.ts';
export { MemoryTransport } from './memory-transport.ts';
export { EddyHttpTransport, startEmbeddedTransport } from './eddy-transport.ts';
export { KafkaTransport, RetryHeaders } from './kafka-transport.ts';
export type { KafkaTransportOptions } from './kafka-transport.ts';
export type { Transport, TransportSubscription, SubscriptionSpec, Delivery, OutgoingEvent } from './transport.ts';
export { DlqHeaders } from './transport.ts';
export type { TransportOption } from './resolve-transport.ts';
export { MemoryIdempotencyStore } from './idempotency.ts';
export type { IdempotencyStore } from './idempotency.ts';
export { FileIdempotencyStore } from './idempotency-file.ts';
export type { FileIdempotencyStoreOptions } from './idempotency-file.ts';
export { RedisIdempotencyStore } from './idempotency-redis.ts';
export type { RedisIdempotencyStoreOptions } from './idempotency-redis.ts';
export type { ProcessedStatus } from './metrics.ts';
export { parseTraceparent, formatTraceparent } from './tracing.ts';
export type { RetryOptions } from './retry.ts';
export { createUuidV7 } from './uuidv7.ts';
export type { StandardSchemaV1, InferInput, InferOutput } from './standard-schema.ts';
export { EddyError, isEddyError } from '../errors.ts';
export type { ErrorCode } from '../errors.ts';
