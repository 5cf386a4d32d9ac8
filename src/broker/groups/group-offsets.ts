// The committed offsets of one group, as the coordinator serves them to OffsetFetch. Entries are
// applied only after the OffsetStore made them durable. Invariant: for each partition the entry of
// the latest-issued commit wins, even if durable completions were to arrive out of order.

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
}

export class GroupOffsets {
  readonly #byTopic = new Map<string, Map<number, CommittedOffset>>();
  /** Sequence number of the commit that last set each partition (`partition:topic`). */
  readonly #appliedSeq = new Map<string, number>();

  #count = 0;

  get size(): number {
    return this.#count;
  }
  get(topic: string, partition: number): CommittedOffset | undefined {
    return this.#byTopic.get(topic)?.get(partition);
  }
  /** Sets the partition unless a later commit (higher seq) already did. */
  apply(topic: string, partition: number, value: CommittedOffset, seq: number): void {
    const k = `${partition}:${topic}`;
    if ((this.#appliedSeq.get(k) ?? -1) > seq) return;
    this.#appliedSeq.set(k, seq);
    let partitions = this.#byTopic.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.#byTopic.set(topic, partitions);
    }
    if (!partitions.has(partition)) this.#count++;
    partitions.set(partition, { ...value });
  }
  /** Forgets the topic's partitions (the topic was deleted). */
  deleteTopic(topic: string): void {
    const partitions = this.#byTopic.get(topic);
    if (partitions === undefined) return;
    this.#count -= partitions.size;
    this.#byTopic.delete(topic);
  }
  /** Every committed partition, sorted by topic then partition. */
  all(): { topic: string; partition: number; value: CommittedOffset }[] {
    const out: { topic: string; partition: number; value: CommittedOffset }[] = [];
    const topics = [...this.#byTopic.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const topic of topics) {
      const partitions = this.#byTopic.get(topic) ?? new Map<number, CommittedOffset>();
      for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
        const value = partitions.get(partition);
        if (value !== undefined) out.push({ topic, partition, value: { ...value } });
      }
    }
    return out;
  }
}
