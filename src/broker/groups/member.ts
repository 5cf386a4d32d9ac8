// One member of a classic group: identity, timeouts, the protocols it offers in preference order,
// its current assignment, and the join / sync responses the coordinator still owes it.
// Invariant: a member is owed at most one JoinGroup and one SyncGroup response at a time.

import type { Timer } from '../../log/clock.ts';
import type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './api.ts';
import { assert } from '../../errors.ts';

export interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: GroupProtocol[];
  assignment: Uint8Array;
  /** Resolves the held JoinGroup response; null when none is owed. */
  awaitingJoin: ((result: JoinGroupResult) => void) | null;
  /** Resolves the held SyncGroup response; null when none is owed. */
  awaitingSync: ((result: SyncGroupResult) => void) | null;
  /** Joined but not yet part of a completed generation (Kafka's isNew). */
  isNew: boolean;
  /** Session expiry (or, while new, the new-member join timeout). */
  sessionTimer: Timer | null;
}

export const emptyBytes = new Uint8Array(0);

/**
 * Drops repeated protocol names, keeping the first (most preferred) occurrence, and copies the
 * metadata: the caller's bytes may be a view into a frame buffer that gets reused.
 */
export function distinctProtocols(protocols: readonly GroupProtocol[]): GroupProtocol[] {
  const seen = new Set<string>();
  const out: GroupProtocol[] = [];
  for (const p of protocols) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, metadata: new Uint8Array(p.metadata) });
  }
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Kafka's MemberMetadata.matches: same protocols, same order, same metadata bytes. */
export function matchesProtocols(member: Member, protocols: readonly GroupProtocol[]): boolean {
  if (protocols.length !== member.protocols.length) return false;
  return protocols.every((p, i) => {
    const mine = member.protocols[i];
    return mine !== undefined && mine.name === p.name && bytesEqual(mine.metadata, p.metadata);
  });
}

/** The member's most preferred protocol among the candidates. */
export function vote(member: Member, candidates: ReadonlySet<string>): string {
  const choice = member.protocols.find((p) => candidates.has(p.name));
  assert(choice !== undefined, `member ${member.memberId} supports no candidate protocol`);
  return choice.name;
}

export function metadataFor(member: Member, protocolName: string): Uint8Array {
  const p = member.protocols.find((x) => x.name === protocolName);
  assert(p !== undefined, `member ${member.memberId} lacks protocol ${protocolName}`);
  return p.metadata;
}
