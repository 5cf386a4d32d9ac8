// CreatePartitions v0 (key 37).
// Request: topics [name string, count int32, assignments nullable [broker_ids [int32]]],
//   timeout_ms int32, validate_only bool
// Response: throttle_time_ms int32, results [name string, error_code int16, error_message nullable_string]
// count is the new total number of partitions.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type StructEnd } from '../common.ts';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from './index.ts';

export const flexible = false;

/** The request of every version; `end` closes each structure (the tags of flexible versions). */
export function readRequest(r: KafkaReader, end: StructEnd): CreatePartitionsRequest {
  const topics = r.array(() => {
    const name = r.string();
    const count = r.int32();
    const assignments = r.nullableArray(() => {
      r.array(() => r.int32(), 4);
      end();
    }, 1);
    end();
    return { name, count, assigned: assignments !== null };
  }, 6);
  r.int32(); // timeout_ms: synchronous
  const validateOnly = r.bool();
  end();
  return { topics, validateOnly };
}

/** The response of every version; `end` closes each structure (the tags of flexible versions). */
export function writeResponse(w: KafkaWriter, res: CreatePartitionsResponse, end: StructEnd): void {
  w.int32(0);
  w.array(res, (t) => {
    w.string(t.name).int16(t.error.code).nullableString(t.error.message);
    end();
  });
  end();
}

export function decodeRequest(r: KafkaReader): CreatePartitionsRequest {
  return readRequest(r, untagged);
}

export function encodeResponse(w: KafkaWriter, res: CreatePartitionsResponse): void {
  writeResponse(w, res, untagged);
}
