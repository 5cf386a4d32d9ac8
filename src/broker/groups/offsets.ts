// OffsetCommit and OffsetFetch for one group, as Kafka: a commit is checked against membership and
// generation (generation -1 is a standalone commit, allowed only while the group is Empty), then
// made durable through the OffsetStore, and only then visible to OffsetFetch.
// Invariant: per partition, the latest-issued commit wins (sequence numbers, see group-offsets.ts).

import { GroupStates, type FetchedOffset, type OffsetCommitRequest, type OffsetCommitResult } from './api.ts';
import type { Group } from './group.ts';
import { groupLimits } from './limits.ts';
import type { OffsetCommitEntry, OffsetStore } from './offset-store.ts';
import type { Rebalancer } from './rebalance.ts';
import type { ErrorCode } from '../../errors.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead } = GroupStates;
const utf8 = new TextEncoder();

/** Kafka's doCommitOffsets checks; null means the commit may be stored. Touches the member's session. */
export function commitMembershipError(rebalancer: Rebalancer, group: Group, req: OffsetCommitRequest): ErrorCode | null {
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return 'group.fenced_instance_id';
  if (req.generationId < 0 && group.state === Empty) return null;
  const member = group.members.get(req.memberId);
  if (member === undefined) return 'group.unknown_member';
  if (req.generationId !== group.generationId) return 'group.illegal_generation';
  switch (group.state) {
    case Stable:
    case PreparingRebalance:
      // Kafka still accepts commits while preparing; the heartbeat tells the member to rejoin.
      rebalancer.touch(group, member);
      return null;
    case CompletingRebalance:
      return 'group.rebalance_in_progress';
    case Empty:
    case Dead:
      return 'group.unknown_member';
  }
}

function partitionError(o: OffsetCommitRequest['offsets'][number]): ErrorCode | null {
  if (!Number.isSafeInteger(o.offset) || !Number.isInteger(o.partition) || o.partition < 0) return 'request.invalid';
  if (o.metadata !== null && utf8.encode(o.metadata).byteLength > groupLimits.offsetMetadataBytesMax) {
    return 'group.offset_metadata_too_large';
  }
  return null;
}

/** Stores the valid entries durably, then applies them to the group's offsets. */
export async function storeCommit(
  store: OffsetStore,
  group: Group,
  req: OffsetCommitRequest,
  at: { nowMs: number; seq: number },
): Promise<OffsetCommitResult> {
  const errors = req.offsets.map(partitionError);
  const entries: OffsetCommitEntry[] = [];
  req.offsets.forEach((o, i) => {
    if (errors[i] !== null) return;
    entries.push({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch ?? -1,
      metadata: o.metadata ?? '',
      commitTimestampMs: at.nowMs,
    });
  });
  if (entries.length > 0) {
    group.commitsInFlight++;
    try {
      await store.commit(group.groupId, entries);
      for (const e of entries) group.offsets.apply(e.topic, e.partition, e, at.seq);
    } catch {
      // The store could not make the commit durable: clients retry COORDINATOR_NOT_AVAILABLE.
      errors.forEach((e, i) => (errors[i] = e ?? 'group.coordinator_not_available'));
    } finally {
      group.commitsInFlight--;
    }
  }
  return {
    partitions: req.offsets.map((o, i) => {
      const error = errors[i];
      return error === null || error === undefined
        ? { topic: o.topic, partition: o.partition }
        : { topic: o.topic, partition: o.partition, error };
    }),
  };
}

/** OffsetFetch: the committed offsets asked for (-1 when none), or all of them when `partitions` is null. */
export function fetchCommitted(
  group: Group | undefined,
  partitions: readonly { topic: string; partition: number }[] | null,
): FetchedOffset[] {
  if (partitions === null) {
    return (group?.offsets.all() ?? []).map(({ topic, partition, value }) => ({
      topic,
      partition,
      offset: value.offset,
      leaderEpoch: value.leaderEpoch,
      metadata: value.metadata,
    }));
  }
  return partitions.map(({ topic, partition }) => {
    const value = group?.offsets.get(topic, partition);
    if (value === undefined) return { topic, partition, offset: -1, leaderEpoch: -1, metadata: '' };
    return { topic, partition, offset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata };
  });
}
