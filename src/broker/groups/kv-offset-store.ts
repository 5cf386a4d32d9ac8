// Committed group offsets stored durably in the internal compacted topic `__consumer_offsets`
// (key `<group>\n<topic>\n<partition>`, value JSON, null = deleted), through KvLog, so offsets share
// the log's durability: commit() resolves after the record is fdatasynced.

import { KvLog } from '../kv-log.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { OffsetCommitEntry, OffsetRecord, OffsetStore } from './offset-store.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

type Stored = Omit<OffsetRecord, 'groupId' | 'topic' | 'partition'>;

const keyOf = (groupId: string, topic: string, partition: number) => `${groupId}\n${topic}\n${partition}`;

export class KvOffsetStore implements OffsetStore {
  readonly #kv: KvLog<Stored>;
  private constructor(kv: KvLog<Stored>) {
    this.#kv = kv;
  }

  static async open(logs: LogManager): Promise<KvOffsetStore> {
    return new KvOffsetStore(await KvLog.open<Stored>(logs, OFFSETS_TOPIC));
  }

  async load(): Promise<Iterable<OffsetRecord>> {
    const out: OffsetRecord[] = [];
    for (const [k, v] of this.#kv.entries()) {
      const [groupId, topic, partition] = k.split('\n');
      out.push({ ...v, groupId: groupId!, topic: topic!, partition: Number(partition) });
    }
    return out;
  }

  commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    return this.#kv.putMany(entries.map((e) => [keyOf(groupId, e.topic, e.partition), { offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata, commitTimestampMs: e.commitTimestampMs }] as const));
  }

  delete(groupId: string): Promise<void> {
    const doomed: [string, null][] = [];
    for (const [k] of this.#kv.entries()) if (k.startsWith(`${groupId}\n`)) doomed.push([k, null]);
    return this.#kv.putMany(doomed);
  }

  deleteTopic(topic: string): Promise<void> {
    const doomed: [string, null][] = [];
    for (const [k] of this.#kv.entries()) if (k.split('\n')[1] === topic) doomed.push([k, null]);
    return this.#kv.putMany(doomed);
  }
}
