// Topic ids (KIP-516) for a broker that stores none: each is derived from the topic's name and
// creation time, so it is stable across restarts and changes when a topic of that name is deleted
// and created again. Metadata advertises them; Fetch resolves them back to names.

import { createHash } from 'node:crypto';

/** Ids already derived (one sha256 per topic, not per request); callers never mutate them. */
const topicIds = new Map<string, Uint8Array>();

/** A stable topic id derived from the topic's name and creation time (never all zeros). */
export function topicId(name: string, createdMs: number): Uint8Array {
  const key = `${name}\0${createdMs}`;
  const known = topicIds.get(key);
  if (known) return known;
  if (topicIds.size >= 100_000) topicIds.clear(); // bounded: ids of deleted topics do not pile up
  const id = createHash('sha256').update(key).digest().subarray(0, 16);
  topicIds.set(key, id);
  id[0]! |= 1;
  return id;
}
