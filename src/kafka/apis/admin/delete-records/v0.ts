// DeleteRecords v0 (key 21).
// Request: topics [name string, partitions [partition_index int32, offset int64]], timeout_ms int32
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32,
//   low_watermark int64, error_code int16]]
// low_watermark is the new log start offset, -1 on error.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type StructEnd } from '../common.ts';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from './index.ts';

export const flexible = false;

/** The request of every version; `end` closes each structure (the tags of flexible versions). */
export function readRequest(r: KafkaReader, end: StructEnd): DeleteRecordsRequest {
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const p = { index: r.int32(), offset: r.int64() };
      end();
      return p;
    }, 12);
    end();
    return { name, partitions };
  }, 5);
  r.int32(); // timeout_ms: the deletion is synchronous
  end();
  return { topics };
}

/** The response of every version; `end` closes each structure (the tags of flexible versions). */
export function writeResponse(w: KafkaWriter, res: DeleteRecordsResponse, end: StructEnd): void {
  w.int32(0);
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      w.int32(p.index).int64(p.lowWatermark).int16(p.error);
      end();
    });
    end();
  });
  end();
}

export function decodeRequest(r: KafkaReader): DeleteRecordsRequest {
  return readRequest(r, untagged);
}

export function encodeResponse(w: KafkaWriter, res: DeleteRecordsResponse): void {
  writeResponse(w, res, untagged);
}
