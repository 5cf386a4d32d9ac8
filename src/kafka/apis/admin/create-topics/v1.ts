// CreateTopics v1 (key 19).
// Request: as v0, then validate_only bool
// Response: topics [name string, error_code int16, error_message nullable_string]

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { ItemError } from '../common.ts';
import type { CreateTopicsRequest, CreateTopicsResponse } from './index.ts';
import * as v0 from './v0.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): CreateTopicsRequest {
  const req = v0.decodeRequest(r);
  return { ...req, validateOnly: r.bool() };
}

/** error_code, error_message: each topic's outcome from v1 on. */
export function writeError(w: KafkaWriter, e: ItemError): void {
  w.int16(e.code).nullableString(e.message);
}

export function encodeResponse(w: KafkaWriter, res: CreateTopicsResponse): void {
  w.array(res, (t) => {
    w.string(t.name);
    writeError(w, t.error);
  });
}
