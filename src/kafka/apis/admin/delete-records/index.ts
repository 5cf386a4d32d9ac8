// DeleteRecords (key 21), v0–v2: the handler, shared by every version; each version's wire layout is
// in ./v<N>.ts. Raises each partition's log start offset durably (PartitionLog.deleteRecordsBefore);
// an offset of -1 means the high watermark, one above it is OFFSET_OUT_OF_RANGE; internal topics are
// refused. The deletion is synchronous, so timeout_ms is read and not used.

import type { Broker } from '../../../../broker/broker.ts';
import { defineApi } from '../../../api.ts';
import { itemError, refuseInternal } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { index: number; offset: number }[] }[];
}

export interface DeleteRecordsPartitionResult {
  index: number;
  lowWatermark: number;
  error: number;
}

export interface DeleteRecordsResponse {
  topics: { name: string; partitions: DeleteRecordsPartitionResult[] }[];
}

async function deleteBefore(broker: Broker, topic: string, index: number, offset: number): Promise<DeleteRecordsPartitionResult> {
  try {
    refuseInternal(topic);
    const lowWatermark = await broker.partitionLog(topic, index).deleteRecordsBefore(offset);
    return { index, lowWatermark, error: 0 };
  } catch (e) {
    return { index, lowWatermark: -1, error: itemError(e).code };
  }
}

export const deleteRecords = defineApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  key: 21,
  name: 'DeleteRecords',
  versions: { 0: v0, 1: v1, 2: v2 },
  async handle(req, ctx) {
    const topics: DeleteRecordsResponse['topics'] = [];
    for (const t of req.topics) {
      topics.push({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => deleteBefore(ctx.broker, t.name, p.index, p.offset))) });
    }
    return { topics };
  },
});
