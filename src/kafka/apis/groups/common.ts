// Shared helpers of the group APIs: the Kafka error code of a coordinator result (the one table in
// src/errors.ts carries it), minimum element sizes for bounded array reads, and copies of byte fields
// the coordinator keeps (so a stored member never pins the whole request frame in memory).

import { ErrorCodes, type ErrorCode } from '../../../errors.ts';
import type { KafkaReader } from '../../protocol/reader.ts';

/** The Kafka error code of a coordinator error (0 for none). */
export function kafkaCode(error: ErrorCode | undefined): number {
  return error === undefined ? 0 : ErrorCodes[error].kafka;
}

/** Smallest wire size of one array element: classic form, or compact (flexible) form. */
export function elementBytes(r: KafkaReader, classic: number, compact: number): number {
  return r.flexible ? compact : classic;
}

/** STRING / COMPACT_STRING elements are at least 2 / 1 bytes. */
export function readStrings(r: KafkaReader): string[] {
  return r.array(() => r.string(), elementBytes(r, 2, 1));
}

/** A byte field the coordinator stores: copied out of the request frame. */
export function ownedBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** DescribeGroups v3+ authorized_operations when not computed (Kafka's INT32_MIN sentinel). */
export const authorizedOperationsOmitted = -2147483648;

/** Kafka formats a client's address as Java's InetAddress.toString(): "/127.0.0.1". */
export function kafkaClientHost(host: string): string {
  return host.startsWith('/') ? host : `/${host}`;
}

/**
 * group_id string, generation_id int32, member_id string, then group_instance_id nullable_string when
 * the version has it (Heartbeat and SyncGroup v3+, OffsetCommit v7+): how those three requests open.
 */
export function readMemberIdentity(r: KafkaReader, withGroupInstanceId: boolean): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = withGroupInstanceId ? r.nullableString() : null;
  return { groupId, generationId, memberId, groupInstanceId };
}
