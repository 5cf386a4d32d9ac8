// DeleteRecords (key 21), v0–v2; flexible from v2. Request: topics [name, partitions
// [partition_index int32, offset int64 (-1 = the high watermark)]], timeout_ms int32. Response:
// throttle_time_ms, topics [name, partitions [partition_index int32, low_watermark int64, error_code]].
// Raises each partition's log start offset durably (PartitionLog.deleteRecordsBefore); an offset
// above the high watermark is OFFSET_OUT_OF_RANGE; internal topics are refused.

import type { Broker } from '../../../broker/broker.ts';
import { defineLegacyApi } from '../../api.ts';
import { itemError, refuseInternal } from './common.ts';

interface Req {
  topics: { name: string; partitions: { index: number; offset: number }[] }[];
}

interface Res {
  topics: { name: string; partitions: { index: number; lowWatermark: number; error: number }[] }[];
}

async function deleteBefore(broker: Broker, topic: string, index: number, offset: number): Promise<{ index: number; lowWatermark: number; error: number }> {
  try {
    refuseInternal(topic);
    const lowWatermark = await broker.partitionLog(topic, index).deleteRecordsBefore(offset);
    return { index, lowWatermark, error: 0 };
  } catch (e) {
    return { index, lowWatermark: -1, error: itemError(e).code };
  }
}

export const deleteRecords = defineLegacyApi<Req, Res>({
  key: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  decode(r) {
    const topics = r.array(() => {
      const name = r.string();
      const partitions = r.array(() => {
        const p = { index: r.int32(), offset: r.int64() };
        r.tags();
        return p;
      }, 12);
      r.tags();
      return { name, partitions };
    }, 5);
    r.int32(); // timeout_ms: the deletion is synchronous
    r.tags();
    return { topics };
  },
  async handle(req, ctx) {
    const topics: Res['topics'] = [];
    for (const t of req.topics) {
      topics.push({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => deleteBefore(ctx.broker, t.name, p.index, p.offset))) });
    }
    return { topics };
  },
  encode(w, res) {
    w.int32(0);
    w.array(res.topics, (t) => {
      w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.index).int64(p.lowWatermark).int16(p.error);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
});
