// The contract of one Kafka API module: its key, the version range Eddy advertises, where flexible
// versions start, a bounded decoder, a handler that calls the Broker, and an encoder. Front ends only
// translate: decode (bounded) -> one Broker call -> encode.

import type { Broker } from '../broker/broker.ts';
import type { KafkaReader } from './protocol/reader.ts';
import type { KafkaWriter } from './protocol/writer.ts';

export interface KafkaContext {
  broker: Broker;
  clientId: string | null;
  clientHost: string;
  /** What Metadata advertises as the single broker and controller. */
  advertised: { nodeId: number; host: string; port: number };
  /** Aborted when the connection closes (long polls stop). */
  signal: AbortSignal;
  /** The version the request arrived with. */
  version: number;
}

export interface KafkaApi<Req, Res> {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible (KIP-482) version; Infinity when the API has none. */
  readonly flexibleFrom: number;
  decode(r: KafkaReader, version: number): Req;
  handle(req: Req, ctx: KafkaContext): Promise<Res>;
  encode(w: KafkaWriter, res: Res, version: number): void;
  /** True when no response is sent (Produce with acks=0). */
  noResponse?(req: Req): boolean;
  /**
   * For requests answered with no response: true when the outcome must close the connection so the
   * client notices (Kafka closes it when an acks=0 produce fails).
   */
  closeWithoutResponse?(res: Res): boolean;
}

/** Type-erased form kept in the registry. */
export type AnyKafkaApi = KafkaApi<unknown, unknown>;

export function defineApi<Req, Res>(api: KafkaApi<Req, Res>): AnyKafkaApi {
  return api as unknown as AnyKafkaApi;
}

/** Kafka's error codes used by the APIs (the full mapping from Eddy codes lives in src/errors.ts). */
export const KafkaError = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUIRED_ACKS: 21,
  TOPIC_AUTHORIZATION_FAILED: 29,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REQUEST: 42,
  INVALID_CONFIG: 40,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_SERVER_ERROR: -1,
} as const;
