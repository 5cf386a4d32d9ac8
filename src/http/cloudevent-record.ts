// A CloudEvent that arrives already encoded as a Kafka record's fields (a `records` publish over the
// WebSocket, ws-protocol.ts): key, value, header count and headers, as the v2 record encoding writes
// them from the key length on. The broker stores those bytes as they are (no JSON to parse, no
// record to encode), so it checks them here first, byte by byte, against the same rules and limits
// as a structured CloudEvent (events.ts), read through the CloudEvents Kafka binding (binary mode):
// - the fields are well formed and end exactly where the record does; the key is at most
//   limits.keyBytesMax bytes; at most limits.recordHeadersMax headers;
// - every header is an attribute, `ce_<name>` (name: 1..64 lowercase letters and digits), or
//   `content-type` (datacontenttype); its value is present, valid UTF-8, at most
//   limits.headerBytesMax bytes;
// - `ce_specversion` is `1.0`; `ce_id`, `ce_source` and `ce_type` are present and not empty; the id
//   is at most limits.eventIdLengthMax characters;
// - no `ce_eddydelayms` / `ce_eddydeliverat`: delayed events travel as CloudEvents (their delay is
//   not stored).
// When an attribute appears twice the last one counts, as for every reader of the record (the
// HTTP views, the SDK).

import { isAscii, isUtf8 } from 'node:buffer';
import type { EncodedPublishEvent } from '../broker/broker.ts';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { recordFieldLength, recordHeaderCount } from '../log/codec/record-batch.ts';
import { ByteReader } from '../log/codec/reader.ts';
import { asciiText } from '../log/codec/utf8.ts';

/** Bytes of a header name: `ce_` and up to 64 characters. */
const headerNameBytesMax = 3 + 64;

const C = 0x63, E = 0x65, UNDERSCORE = 0x5f;
const contentType = Buffer.from('content-type');
/** The attributes the broker reads, by name after `ce_`. */
const named = { id: Buffer.from('id'), specversion: Buffer.from('specversion'), source: Buffer.from('source'), type: Buffer.from('type'), eddydelayms: Buffer.from('eddydelayms'), eddydeliverat: Buffer.from('eddydeliverat') };
const specVersion = Buffer.from('1.0');

function invalid(index: number, message: string): EddyError {
  return new EddyError('event.invalid', `events[${index}]: ${message}`, { index });
}

function equals(buf: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
  return true;
}

/**
 * A field's length, checked by the record decoder's own rules (null: a null field); its error
 * becomes event.invalid naming the field: the key or value, or header `header`'s name or value.
 */
function fieldLength(r: ByteReader, index: number, field: 'key' | 'value' | 'name', header = -1): number | null {
  const at = r.pos;
  const n = recordFieldLength(r, r.end);
  if (r.error !== null) throw invalid(index, `${fieldName(field, header)} at byte ${at}: ${r.error.message}`);
  return n;
}

function fieldName(field: string, header: number): string {
  return header < 0 ? field : `header ${header}'s ${field}`;
}

/**
 * Checks `fields` (one record's fields: see above) and returns the event to publish, whose `fields`
 * are those bytes. Throws an EddyError `event.invalid` naming `events[index]` on the first rule broken.
 */
export function cloudEventFromRecordFields(fields: Uint8Array, index: number): EncodedPublishEvent {
  const r = new ByteReader(fields);
  const keyLength = fieldLength(r, index, 'key');
  if (keyLength !== null && keyLength > limits.keyBytesMax) throw invalid(index, `the key is longer than ${limits.keyBytesMax} bytes`);
  const key = keyLength === null ? null : r.bytes(keyLength);
  const valueLength = fieldLength(r, index, 'value');
  if (valueLength !== null) r.skip(valueLength);
  const countAt = r.pos;
  const count = recordHeaderCount(r, r.end); // at most limits.recordHeadersMax, 2 bytes each at least
  if (r.error !== null) throw invalid(index, `header count at byte ${countAt}: ${r.error.message}`);
  // One native pass over the headers' bytes decides whether every value is ASCII (the usual case).
  const ascii = isAscii(fields.subarray(r.pos));
  let id: string | null = null;
  let source = false;
  let type = false;
  let spec = false;
  for (let h = 0; h < count; h++) {
    const nameLength = fieldLength(r, index, 'name', h);
    if (nameLength === null || nameLength > headerNameBytesMax) throw invalid(index, `header ${h}'s name must be ce_<attribute> or content-type`);
    const nameAt = r.pos;
    const nameEnd = nameAt + nameLength;
    r.skip(nameLength);
    const valueSize = fieldLength(r, index, 'value', h);
    if (valueSize === null) throw invalid(index, `header ${h} has no value (an attribute is a string)`);
    if (valueSize > limits.headerBytesMax) throw invalid(index, `header ${h}'s value is longer than ${limits.headerBytesMax} bytes`);
    const valueAt = r.pos;
    const valueEnd = valueAt + valueSize;
    r.skip(valueSize);
    if (!ascii && !isUtf8(fields.subarray(valueAt, valueEnd))) throw invalid(index, `header ${h}'s value is not UTF-8 text`);
    if (equals(fields, nameAt, nameEnd, contentType)) continue;
    if (nameLength < 4 || fields[nameAt] !== C || fields[nameAt + 1] !== E || fields[nameAt + 2] !== UNDERSCORE) throw invalid(index, `header ${h}'s name must be ce_<attribute> or content-type`);
    const attr = nameAt + 3;
    for (let i = attr; i < nameEnd; i++) {
      const c = fields[i]!;
      if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) throw invalid(index, `header ${h}: a CloudEvent attribute name is lowercase letters and digits`);
    }
    if (equals(fields, attr, nameEnd, named.id)) {
      id = valueSize === 0 ? '' : (asciiText(fields, valueAt, valueEnd) ?? Buffer.from(fields.buffer, fields.byteOffset + valueAt, valueSize).toString('utf8'));
    } else if (equals(fields, attr, nameEnd, named.source)) source = valueSize > 0;
    else if (equals(fields, attr, nameEnd, named.type)) type = valueSize > 0;
    else if (equals(fields, attr, nameEnd, named.specversion)) spec = equals(fields, valueAt, valueEnd, specVersion);
    else if (equals(fields, attr, nameEnd, named.eddydelayms) || equals(fields, attr, nameEnd, named.eddydeliverat)) {
      throw invalid(index, 'a delayed event travels as a CloudEvent, not as record fields');
    }
  }
  if (r.remaining !== 0) throw invalid(index, `${r.remaining} bytes follow the last header`);
  if (!spec) throw invalid(index, 'ce_specversion must be "1.0"');
  if (id === null || id.length === 0) throw invalid(index, 'CloudEvent attribute "id" is required and must be a non-empty string');
  if (!source) throw invalid(index, 'CloudEvent attribute "source" is required and must be a non-empty string');
  if (!type) throw invalid(index, 'CloudEvent attribute "type" is required and must be a non-empty string');
  if (id.length > limits.eventIdLengthMax) throw invalid(index, `id is longer than ${limits.eventIdLengthMax} characters`);
  return { key, fields, id };
}
