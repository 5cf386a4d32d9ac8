// Where committed group offsets live durably. The broker implements it on an internal compacted
// topic; InMemoryOffsetStore serves tests and the embedded broker. Guarantee asked of every store:
// commit() resolves only once its entries are durable, all or nothing, applied in call order;
// load() returns the live records, a later record for the same (group, topic, partition) winning.

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  /** -1 when the client sent none. */
  leaderEpoch: number;
  /** Kafka stores a null metadata as ''. */
  metadata: string;
  commitTimestampMs: number;
}

export interface OffsetRecord extends OffsetCommitEntry {
  groupId: string;
}

export interface OffsetStore {
  load(): Promise<Iterable<OffsetRecord>>;
  commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void>;
  /** Removes every offset of the group (tombstones on a compacted topic). */
  delete(groupId: string): Promise<void>;
  /** Removes every group's offsets of the topic (it was deleted). */
  deleteTopic(topic: string): Promise<void>;
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export class InMemoryOffsetStore implements OffsetStore {
  readonly #groups = new Map<string, Map<string, OffsetRecord>>();

  async load(): Promise<Iterable<OffsetRecord>> {
    const out: OffsetRecord[] = [];
    for (const records of this.#groups.values()) for (const r of records.values()) out.push({ ...r });
    return out;
  }
  async commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    let records = this.#groups.get(groupId);
    if (records === undefined) {
      records = new Map();
      this.#groups.set(groupId, records);
    }
    for (const e of entries) records.set(key(e.topic, e.partition), { ...e, groupId });
  }
  async delete(groupId: string): Promise<void> {
    this.#groups.delete(groupId);
  }
  async deleteTopic(topic: string): Promise<void> {
    for (const records of this.#groups.values()) for (const [k, r] of records) if (r.topic === topic) records.delete(k);
  }
}
