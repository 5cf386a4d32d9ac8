// DeleteTopics v4 (key 20), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: topic_names [compact_string], timeout_ms int32, tags
// Response: throttle_time_ms int32, responses [name, error_code, tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DeleteTopicResult, DeleteTopicsRequest, DeleteTopicsResponse } from './index.ts';
import * as v3 from './v3.ts';
import { writeResult } from './v0.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): DeleteTopicsRequest {
  const targets = v3.decodeRequest(r); // topic names are strings, not structures: no tags inside
  r.tags();
  return targets;
}

/** throttle_time_ms, responses [writeEntry, tags], tags: the frame of every flexible version. */
export function writeResponses(w: KafkaWriter, res: DeleteTopicsResponse, writeEntry: (t: DeleteTopicResult) => void): void {
  w.int32(0);
  w.array(res, (t) => {
    writeEntry(t);
    w.tags();
  });
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: DeleteTopicsResponse): void {
  writeResponses(w, res, (t) => writeResult(w, t));
}
