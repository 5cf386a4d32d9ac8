// ListOffsets (key 2), v1–v7; flexible from v6. Request: replica_id int32, isolation_level int8
// (v2+), topics [name string, partitions [partition_index int32, current_leader_epoch int32 (v4+),
// timestamp int64]]. Response: throttle_time_ms int32 (v2+), topics [name string, partitions
// [partition_index int32, error_code int16, timestamp int64, offset int64, leader_epoch int32 (v4+)]].
// timestamp -2: log start offset; -1: high watermark (both isolation levels: no transactions, so the
// last stable offset is the high watermark); -3 (max timestamp, v7): UNSUPPORTED_VERSION, as Kafka
// answers when it cannot serve it; other values: the first offset whose timestamp is >= it, or
// offset -1 / timestamp -1 when there is none (Kafka's answer).

import { defineLegacyApi } from '../api.ts';
import { kafkaErrorCode } from '../errors.ts';
import { DataError } from './data-errors.ts';

interface Req {
  topics: { name: string; partitions: { index: number; timestampMs: number }[] }[];
}

interface PartitionResult {
  index: number;
  error: number;
  timestampMs: number;
  offset: number;
}

interface Res {
  topics: { name: string; partitions: PartitionResult[] }[];
}

export const listOffsets = defineLegacyApi<Req, Res>({
  key: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 7,
  flexibleFrom: 6,
  decode(r, version) {
    r.int32(); // replica_id
    if (version >= 2) r.int8(); // isolation_level: both levels answer the same here
    const topics = r.array(() => {
      const name = r.string();
      const partitions = r.array(() => {
        const index = r.int32();
        if (version >= 4) r.int32(); // current_leader_epoch
        const timestampMs = r.int64();
        r.tags();
        return { index, timestampMs };
      }, 12);
      r.tags();
      return { name, partitions };
    }, 5);
    r.tags();
    return { topics };
  },
  async handle(req, { broker }) {
    const topics: Res['topics'] = [];
    for (const t of req.topics) {
      const partitions: PartitionResult[] = [];
      for (const p of t.partitions) {
        const none = { index: p.index, timestampMs: -1, offset: -1 };
        if (p.timestampMs < -2) {
          partitions.push({ ...none, error: p.timestampMs === -3 ? DataError.UNSUPPORTED_VERSION : DataError.INVALID_REQUEST });
          continue;
        }
        try {
          const r = await broker.listOffset(t.name, p.index, p.timestampMs);
          // Broker.listOffset answers the high watermark when no record is that recent: Kafka says -1.
          const found = p.timestampMs < 0 || r.timestampMs >= 0;
          partitions.push({ index: p.index, error: DataError.NONE, timestampMs: found ? r.timestampMs : -1, offset: found ? r.offset : -1 });
        } catch (e) {
          partitions.push({ ...none, error: kafkaErrorCode(e) });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { topics };
  },
  encode(w, res, version) {
    if (version >= 2) w.int32(0);
    w.array(res.topics, (t) => {
      w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.index).int16(p.error).int64(p.timestampMs).int64(p.offset);
        if (version >= 4) w.int32(p.error === DataError.NONE ? 0 : -1);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
});
