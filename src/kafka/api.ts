// The contract of one Kafka API module: its key, the version range Eddy advertises, where flexible
// versions start, a bounded decoder, a handler that calls the Broker, and an encoder. Front ends only
// translate: decode (bounded) -> one Broker call -> encode.

import type { Broker } from '../broker/broker.ts';
import type { ReadAllocator } from '../log/read-pool.ts';
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
  /** Where Fetch reads record bytes (given back after the response is written); plain allocations without it. */
  readPool?: ReadAllocator;
}

/**
 * One version of one API, in its own module (`apis/<api>/v<N>.ts`): that version's wire layout
 * written out, with no version conditionals. Newer versions re-export or compose the older ones'
 * pieces where the layout did not change.
 */
export interface KafkaApiVersion<Req, Res> {
  /** A KIP-482 flexible version: compact strings/arrays and tagged fields (the reader/writer switch on it). */
  readonly flexible: boolean;
  /** Reads the request body (after the header); bounded, never throws on bad input (the reader records the error). */
  decodeRequest(r: KafkaReader): Req;
  encodeResponse(w: KafkaWriter, res: Res): void;
}

export interface KafkaApiDefinition<Req, Res> {
  readonly key: number;
  readonly name: string;
  /** Every version Eddy serves, by number; contiguous. ApiVersions advertises exactly these. */
  readonly versions: Readonly<Record<number, KafkaApiVersion<Req, Res>>>;
  handle(req: Req, ctx: KafkaContext): Promise<Res>;
  /** True when no response is sent (Produce with acks=0). */
  noResponse?(req: Req): boolean;
  /**
   * For requests answered with no response: true when the outcome must close the connection so the
   * client notices (Kafka closes it when an acks=0 produce fails).
   */
  closeWithoutResponse?(res: Res): boolean;
}

export interface KafkaApi<Req, Res> extends KafkaApiDefinition<Req, Res> {
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The module of `version`, or undefined when it is not served. */
  version(version: number): KafkaApiVersion<Req, Res> | undefined;
}

/** Type-erased form kept in the registry. */
export type AnyKafkaApi = KafkaApi<unknown, unknown>;

/** An API from its version modules; the versions must be contiguous (checked once, at load). */
export function defineApi<Req, Res>(def: KafkaApiDefinition<Req, Res>): AnyKafkaApi {
  const numbers = Object.keys(def.versions).map(Number).sort((a, b) => a - b);
  const minVersion = numbers[0];
  const maxVersion = numbers.at(-1);
  if (minVersion === undefined || maxVersion === undefined || maxVersion - minVersion + 1 !== numbers.length) {
    throw new Error(`${def.name}: versions must be a non-empty contiguous range, got ${numbers.join(',')}`);
  }
  const byVersion: (KafkaApiVersion<Req, Res> | undefined)[] = [];
  for (const n of numbers) byVersion[n] = def.versions[n];
  const api: KafkaApi<Req, Res> = { ...def, minVersion, maxVersion, version: (v) => byVersion[v] };
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
