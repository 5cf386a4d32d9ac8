// The one table of Eddy's operating errors. Each code is stable (added, never renamed) and maps to
// every wire: HTTP status + RFC 9457 problem type, Kafka error code, SDK error `code`.
// Operating errors are values (EddyError); broken invariants are assertions that crash the process.

export const ErrorCodes = {
  'request.invalid': { http: 400, kafka: 42, title: 'Invalid request' }, // INVALID_REQUEST
  'request.malformed_json': { http: 400, kafka: 42, title: 'Malformed JSON body' },
  'request.body_too_large': { http: 413, kafka: 42, title: 'Request body too large' },
  'request.unsupported_media_type': { http: 415, kafka: 42, title: 'Unsupported content type' },
  'request.too_many_events': { http: 400, kafka: 42, title: 'Too many events in one request' },
  'request.not_found': { http: 404, kafka: 42, title: 'No such endpoint' },
  'topic.not_found': { http: 404, kafka: 3, title: 'Unknown topic' }, // UNKNOWN_TOPIC_OR_PARTITION
  'topic.already_exists': { http: 409, kafka: 36, title: 'Topic already exists' },
  'topic.invalid_name': { http: 400, kafka: 17, title: 'Invalid topic name' }, // INVALID_TOPIC_EXCEPTION
  'topic.invalid_config': { http: 400, kafka: 40, title: 'Invalid topic configuration' }, // INVALID_CONFIG
  'topic.invalid_partitions': { http: 400, kafka: 37, title: 'Invalid number of partitions' },
  'topic.internal': { http: 403, kafka: 29, title: 'Internal topics cannot be changed directly' }, // TOPIC_AUTHORIZATION_FAILED
  'partition.not_found': { http: 404, kafka: 3, title: 'Unknown partition' },
  'partition.offline': { http: 503, kafka: 56, title: 'Partition offline' }, // KAFKA_STORAGE_ERROR
  'offset.out_of_range': { http: 416, kafka: 1, title: 'Offset out of range' },
  'offset.invalid': { http: 400, kafka: 1, title: 'Invalid offset' },
  'event.too_large': { http: 413, kafka: 10, title: 'Event larger than max.message.bytes' }, // MESSAGE_TOO_LARGE
  'event.invalid': { http: 400, kafka: 87, title: 'Invalid event' }, // INVALID_RECORD
  'batch.corrupt': { http: 400, kafka: 2, title: 'Corrupt record batch' }, // CORRUPT_MESSAGE
  'batch.unsupported_compression': { http: 400, kafka: 76, title: 'Unsupported compression' },
  'log.disk_full': { http: 507, kafka: 56, title: 'Disk space below the free-space floor' },
  'log.fsync_failed': { http: 503, kafka: 56, title: 'Data directory failed (fsync error)' },
  'log.io_error': { http: 503, kafka: 56, title: 'I/O error' },
  'log.segment_corrupt': { http: 503, kafka: 56, title: 'Mid-log corruption; partition offline until repaired' },
  'log.closed': { http: 503, kafka: 56, title: 'Log is closed' },
  'group.not_found': { http: 404, kafka: 69, title: 'Unknown consumer group' }, // GROUP_ID_NOT_FOUND
  'group.invalid_name': { http: 400, kafka: 24, title: 'Invalid group id' },
  'group.coordinator_loading': { http: 503, kafka: 14, title: 'Group coordinator is loading' }, // COORDINATOR_LOAD_IN_PROGRESS
  'group.coordinator_not_available': { http: 503, kafka: 15, title: 'Group coordinator not available' },
  'group.illegal_generation': { http: 409, kafka: 22, title: 'Stale group generation; rejoin the group' },
  'group.inconsistent_protocol': { http: 409, kafka: 23, title: 'Protocol type or protocols incompatible with the group' },
  'group.unknown_member': { http: 404, kafka: 25, title: 'Unknown group member; rejoin the group' }, // UNKNOWN_MEMBER_ID
  'group.invalid_session_timeout': { http: 400, kafka: 26, title: 'Session timeout outside the allowed range' },
  'group.rebalance_in_progress': { http: 409, kafka: 27, title: 'The group is rebalancing; rejoin the group' },
  'group.offset_metadata_too_large': { http: 400, kafka: 12, title: 'Offset metadata too large' }, // OFFSET_METADATA_TOO_LARGE
  'group.non_empty': { http: 409, kafka: 68, title: 'The group still has members' }, // NON_EMPTY_GROUP
  'group.member_id_required': { http: 409, kafka: 79, title: 'Rejoin with the member id given' },
  'group.max_size_reached': { http: 409, kafka: 81, title: 'The group has reached its maximum size' },
  'group.fenced_instance_id': { http: 409, kafka: 82, title: 'Another member took this group instance id' },
  'group.too_many_groups': { http: 503, kafka: 15, title: 'Too many groups on this broker' }, // COORDINATOR_NOT_AVAILABLE (retriable)
  'subscription.not_found': { http: 404, kafka: 42, title: 'Unknown subscription' },
  'subscription.already_exists': { http: 409, kafka: 42, title: 'Subscription already exists' },
  'subscription.invalid': { http: 400, kafka: 42, title: 'Invalid subscription' },
  'subscription.unknown_ack_id': { http: 400, kafka: 42, title: 'Unknown or expired ack id' },
  'ws.stream_exists': { http: 409, kafka: 42, title: 'A stream with this id is already open on the socket' },
  'ws.stream_not_found': { http: 404, kafka: 42, title: 'No stream with this id on the socket' },
  'ws.too_many_streams': { http: 429, kafka: 42, title: 'Too many streams on one WebSocket' },
  'ws.too_many_connections': { http: 503, kafka: 42, title: 'Too many WebSocket connections' },
  'ws.credits_exceeded': { http: 400, kafka: 42, title: 'Credits outstanding on a stream above the limit' },
  'producer.out_of_order_sequence': { http: 409, kafka: 45, title: 'Producer sequence number out of order' }, // OUT_OF_ORDER_SEQUENCE_NUMBER
  'producer.invalid_epoch': { http: 409, kafka: 47, title: 'Producer epoch is older than the current one' }, // INVALID_PRODUCER_EPOCH
  'delay.invalid': { http: 400, kafka: 42, title: 'Invalid delayMs / deliverAt for delayed delivery' },
  'delay.too_many_pending': { http: 503, kafka: 42, title: 'Too many delayed events waiting' },
  'delay.unavailable': { http: 501, kafka: 42, title: 'Delayed delivery is not available on this transport or server' },
  'sdk.validation_failed': { http: 400, kafka: 87, title: 'Event data failed its schema validation' },
  'sdk.unknown_version': { http: 400, kafka: 87, title: 'Event version not known to this definition (newer, or no upcaster)' },
  'sdk.invalid_envelope': { http: 400, kafka: 87, title: 'Record is not a valid CloudEvent for the SDK' },
  'sdk.invalid_options': { http: 400, kafka: 42, title: 'Invalid SDK options' },
  'sdk.closed': { http: 503, kafka: 42, title: 'The event bus is closed' },
  'sdk.transport_failed': { http: 503, kafka: 42, title: 'The transport could not reach the broker' },
  'sdk.handler_timeout': { http: 504, kafka: 42, title: 'The handler ran longer than its handlerTimeoutMs' },
  'sdk.store_locked': { http: 409, kafka: 42, title: 'The idempotency file is owned by another process' },
  'broker.internal': { http: 500, kafka: -1, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class EddyError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'EddyError';
    this.code = code;
    this.detail = detail;
  }
  get httpStatus(): number {
    return ErrorCodes[this.code].http;
  }
  get kafkaErrorCode(): number {
    return ErrorCodes[this.code].kafka;
  }
}

export function isEddyError(e: unknown): e is EddyError {
  return e instanceof EddyError;
}

/** A broken invariant: crash, recovery runs on restart. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`eddy invariant violated: ${message}`);
}
