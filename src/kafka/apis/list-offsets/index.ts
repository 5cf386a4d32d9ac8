// ListOffsets (key 2), v1–v7: the handler; each version's wire layout is in ./v<N>.ts.
// timestamp -2: log start offset; -1: high watermark (both isolation levels: no transactions, so the
// last stable offset is the high watermark); -3 (max timestamp, KIP-734): UNSUPPORTED_VERSION, as
// Kafka answers when it cannot serve it; other values: the first offset whose timestamp is >= it, or
// offset -1 / timestamp -1 when there is none (Kafka's answer).

import { defineApi } from '../../api.ts';
import { kafkaErrorCode } from '../../errors.ts';
import { DataError } from '../data-errors.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';

export interface ListOffsetsPartitionRequest {
  index: number;
  timestampMs: number;
}

export interface ListOffsetsRequest {
  topics: { name: string; partitions: ListOffsetsPartitionRequest[] }[];
}

export interface ListOffsetsPartitionResult {
  index: number;
  error: number;
  timestampMs: number;
  offset: number;
}

export interface ListOffsetsResponse {
  topics: { name: string; partitions: ListOffsetsPartitionResult[] }[];
}

export const listOffsets = defineApi<ListOffsetsRequest, ListOffsetsResponse>({
  key: 2,
  name: 'ListOffsets',
  versions: { 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7 },
  async handle(req, { broker }) {
    const topics: ListOffsetsResponse['topics'] = [];
    for (const t of req.topics) {
      const partitions: ListOffsetsPartitionResult[] = [];
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
});
