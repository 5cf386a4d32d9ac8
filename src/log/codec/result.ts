// Result and CodecError shared by every Eddy decoder (record batches now, Kafka protocol frames later).
// Decoders never throw on bad input: they return { ok: false, error } with a stable `code` from the
// table below (codes are added, never renamed) and the byte position where the problem was found.

/** Stable decoder error codes, with what each means. */
export const codecErrorCodes = {
  truncated: 'input ends before the structure it announces',
  bad_length: 'a length field is negative or smaller than its structure needs',
  bad_magic: 'record batch magic byte is not 2',
  bad_crc: 'CRC-32C does not match the bytes it covers',
  batch_too_large: 'batch larger than the allowed bytes',
  bad_record_count: 'record count is negative',
  too_many_records: 'record count above limits.batchRecordsMax',
  too_many_headers: 'header count above limits.recordHeadersMax or what remains',
  bad_last_offset_delta: 'lastOffsetDelta is negative',
  record_overrun: 'a record or one of its fields runs past what remains',
  record_length_mismatch: 'a record does not consume exactly its declared length',
  record_count_mismatch: 'records decoded differ from recordCount or leave bytes unread',
  bad_header_key: 'a record header key is null',
  varint_too_long: 'varint longer than 5 bytes (varlong: 10) or wider than its type',
  int64_out_of_range: 'int64 outside Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER',
  unknown_compression: 'compression codec id is not one Kafka defines (0..4)',
  unsupported_compression: 'compression codec known but no implementation is registered',
  decompressed_too_large: 'decompressed data exceeds the allowed bytes',
  bad_compressed_data: 'compressed data is corrupt',
  array_too_long: 'an array count is above its limit or above what the remaining bytes can hold',
  string_too_long: 'a string or bytes length is above its limit',
  bad_string: 'a string is not valid UTF-8 or a non-nullable string is null',
  too_many_tags: 'a tagged-field buffer holds more fields than allowed',
  trailing_bytes: 'bytes remain after the structure was fully decoded',
} as const;

export type CodecErrorCode = keyof typeof codecErrorCodes;

export interface CodecError {
  code: CodecErrorCode;
  message: string;
  /** Byte position in the decoded buffer where the problem was detected. */
  position: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CodecError };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: CodecErrorCode, message: string, position: number): { ok: false; error: CodecError } {
  return { ok: false, error: { code, message, position } };
}
