// The WebSocket message protocol of `GET /v1/ws`, with no sockets in it: named limits, the client ->
// server message types, and a strict, bounded decoder. decodeClientMessage never throws: every input
// (bad JSON, unknown type, unknown or missing field, out-of-range number, an invalid event in a
// publish) becomes an error value with a stable code from src/errors.ts, and the stream id or the
// publish's ref when one could be read. A publish's events are checked exactly as the HTTP publish
// checks them (the same parsers).

import { EddyError, type ErrorCode } from '../errors.ts';
import { subscriptionLimits } from '../broker/subscriptions/limits.ts';
import { limits } from '../limits.ts';
import { cloudEventFromRecordFields } from './cloudevent-record.ts';
import { eventCount, parseCloudEventBatch, parseJsonEvents } from './events.ts';
import type { DelayableEvent } from './delayed-publish.ts';
import type { PulledMessage } from '../broker/subscriptions/subscription.ts';
import type { EncodedPublishEvent } from '../broker/broker.ts';
import { decodeTextRecordAt, RecordFieldsEncoder, recordBytesOf, type RecordInput, type TextHeadersRecord } from '../log/codec/record-batch.ts';

export const wsLimits = {
  /** One client message: far above any control message; ws closes the socket with 1009 beyond it. */
  messageBytesMax: 1024 * 1024,
  /** Open WebSocket connections per broker: bounds sockets, timers and per-socket state. */
  connectionsMax: 10_000,
  /** Streams (subscribe ids) per socket: bounds concurrent log reads and held records per socket. */
  streamsPerSocketMax: 100,
  /** Credits outstanding per stream: a client cannot ask the server to owe it more than this. */
  creditsOutstandingMax: 10_000,
  /** Stop reading the log for a socket while its send buffer holds more than this; resume on flush. */
  socketBufferedBytesMax: 4 * 1024 * 1024,
  /** Record bytes per binary `messages` frame (a frame carries one message at least, whatever its size). */
  binaryFrameBytesMax: 1024 * 1024,
  /** Records read from one partition per log read (also bounded by the stream's credits). */
  readRecordsMax: 500,
  /** Bytes read per log read: records held per socket <= streamsPerSocketMax x this, at worst. */
  readBytesMax: 256 * 1024,
  /** Long-poll wait of one log read or subscription pull; the loop re-polls after it. */
  longPollWaitMs: 15_000,
  /** Client messages being processed per socket; beyond it the socket is paused (not read). */
  pendingMessagesMax: 64,
  /**
   * The server pings every socket this often; one that sent nothing (message or pong) since the
   * previous ping is cut: a client that vanished without closing (power loss, a dropped NAT entry)
   * frees its slot, streams and unsent messages within twice this.
   */
  heartbeatMs: 30_000,
  /** Invalid messages a socket may send before it is closed with 1008 (policy violation). */
  errorsPerSocketMax: 100,
  /** Stream id length (client-chosen). */
  streamIdLengthMax: 64,
  /** Length of the `ref` an ack, nack or modifyAckDeadline may carry (client-chosen, echoed). */
  refLengthMax: 64,
} as const;

export type WsLimits = { -readonly [K in keyof typeof wsLimits]: number };

/** Close codes (RFC 6455 section 7.4.1). */
export const CloseCodes = { normal: 1000, goingAway: 1001, unsupportedData: 1003, policyViolation: 1008, tryAgainLater: 1013 } as const;

/** How a subscription stream's messages travel: one JSON `message` frame each, or binary `messages` frames (encodeMessagesFrame). */
export type DeliveryEncoding = 'json' | 'binary';

export type StartPosition = 'earliest' | 'latest' | { timestampMs: number } | { offsets: Map<number, number> };

export type ClientMessage =
  | { type: 'subscribe'; id: string; topic: string; partition: number | null; from: StartPosition; credits: number }
  | { type: 'subscribe'; id: string; subscription: string; credits: number; encoding: DeliveryEncoding }
  | { type: 'credit'; id: string; credits: number }
  | { type: 'ack'; id: string; ackIds: string[]; lingerMs: number; ref: string | null }
  | { type: 'nack'; id: string; ackIds: string[]; delayMs: number | null; reason: string | null; ref: string | null }
  | { type: 'modifyAckDeadline'; id: string; ackIds: string[]; ackDeadlineMs: number; ref: string | null }
  | { type: 'unsubscribe'; id: string }
  | { type: 'publish'; ref: string; topic: string; events: DelayableEvent[] }
  | { type: 'publish'; ref: string; topic: string; records: EncodedPublishEvent[] };

export interface ProtocolError {
  code: ErrorCode;
  detail: string;
  id?: string;
  /** The `ref` of the ack / nack / modifyAckDeadline that failed, when it had one. */
  ref?: string;
}

export type Decoded = { ok: true; value: ClientMessage } | { ok: false; error: ProtocolError };

const fields = {
  subscribeTopic: ['type', 'id', 'topic', 'partition', 'from', 'credits'],
  subscribeSubscription: ['type', 'id', 'subscription', 'credits', 'encoding'],
  credit: ['type', 'id', 'credits'],
  ack: ['type', 'id', 'ackIds', 'lingerMs', 'ref'],
  nack: ['type', 'id', 'ackIds', 'delayMs', 'reason', 'ref'],
  modifyAckDeadline: ['type', 'id', 'ackIds', 'ackDeadlineMs', 'ref'],
  unsubscribe: ['type', 'id'],
  publish: ['type', 'ref', 'topic', 'events', 'cloudevents'],
  binaryPublish: ['type', 'ref', 'topic', 'cloudevents', 'dataBytes', 'records'],
} as const;

/** Thrown inside the decoder only, turned into an error value at its boundary. */
class Invalid {
  readonly error: ProtocolError;
  constructor(error: ProtocolError) {
    this.error = error;
  }
}

function fail(detail: string, id?: string, code: ErrorCode = 'request.invalid'): never {
  throw new Invalid({ code, detail, ...(id !== undefined ? { id } : {}) });
}

function only(m: Record<string, unknown>, allowed: readonly string[], id: string): void {
  for (const k of Object.keys(m)) if (!allowed.includes(k)) fail(`unknown field "${k.slice(0, 64)}"; allowed: ${allowed.join(', ')}`, id);
}

function int(v: unknown, name: string, min: number, max: number, id: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`, id);
  return v;
}

function name(v: unknown, what: string, id: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > limits.topicNameLengthMax) fail(`${what} must be a string of 1..${limits.topicNameLengthMax} characters`, id);
  return v;
}

function ackIds(v: unknown, id: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > subscriptionLimits.ackIdsPerRequestMax) fail(`ackIds must be an array of 1..${subscriptionLimits.ackIdsPerRequestMax} strings`, id);
  for (const a of v) if (typeof a !== 'string' || a.length === 0 || a.length > subscriptionLimits.ackIdLengthMax) fail(`each ack id must be a string of 1..${subscriptionLimits.ackIdLengthMax} characters`, id);
  return v as string[];
}

/** A client-chosen reference echoed in the answer (and in an error), so answers can be matched without relying on order. */
function ref(v: unknown, id: string): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > wsLimits.refLengthMax) fail(`ref must be a string of 1..${wsLimits.refLengthMax} characters`, id);
  return v;
}

function startPosition(v: unknown, id: string): StartPosition {
  if (v === undefined || v === 'latest') return 'latest';
  if (v === 'earliest') return 'earliest';
  if (typeof v === 'number') return { timestampMs: int(v, 'from (a timestamp in ms)', 0, Number.MAX_SAFE_INTEGER, id) };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('from must be "earliest", "latest", a timestamp in ms or { "<partition>": offset }', id);
  const entries = Object.entries(v);
  if (entries.length === 0 || entries.length > limits.partitionsMax) fail(`from must list 1..${limits.partitionsMax} partitions`, id);
  const offsets = new Map<number, number>();
  for (const [p, o] of entries) {
    if (!/^\d{1,4}$/.test(p) || Number(p) >= limits.partitionsMax) fail(`from: "${p.slice(0, 16)}" is not a partition number`, id);
    offsets.set(Number(p), int(o, `from["${p}"]`, 0, Number.MAX_SAFE_INTEGER, id));
  }
  return { offsets };
}

/**
 * `{ type: 'publish', ref, topic, events: [...] }` (Eddy JSON events, as `POST …/events` with
 * application/json) or `{ …, cloudevents: [...] }` (structured CloudEvents, as a
 * application/cloudevents-batch+json body). Not tied to a stream: `ref` names it in its answer.
 * In a binary frame (`data`: the bytes after the header), either the CloudEvents carry no data and
 * `dataBytes` gives the length of each one's data in `data`, in order (-1: none); or `records` gives
 * the length of each event's record fields in `data` (CloudEvents in the Kafka binding, stored as
 * they are: cloudevent-record.ts).
 */
function decodePublish(m: Record<string, unknown>, data: Uint8Array | null = null): ClientMessage {
  const r = m.ref;
  if (typeof r !== 'string' || r.length === 0 || r.length > wsLimits.refLengthMax) fail(`a publish needs a "ref": a string of 1..${wsLimits.refLengthMax} characters`);
  const withRef = (detail: string, code: ErrorCode = 'request.invalid'): never => {
    throw new Invalid({ code, detail, ref: r });
  };
  const allowed = data === null ? fields.publish : fields.binaryPublish;
  for (const k of Object.keys(m)) if (!(allowed as readonly string[]).includes(k)) withRef(`unknown field "${k.slice(0, 64)}"; allowed: ${allowed.join(', ')}`);
  if (typeof m.topic !== 'string' || m.topic.length === 0 || m.topic.length > limits.topicNameLengthMax) withRef(`topic must be a string of 1..${limits.topicNameLengthMax} characters`);
  if (data === null && (m.events === undefined) === (m.cloudevents === undefined)) withRef('publish needs exactly one of "events" or "cloudevents"');
  if (data !== null && (m.records === undefined) === (m.cloudevents === undefined)) withRef('a binary publish needs exactly one of "records" or "cloudevents" (with "dataBytes")');
  try {
    if (data !== null && m.records !== undefined) {
      if (m.dataBytes !== undefined) withRef('"dataBytes" goes with "cloudevents", not "records"');
      return { type: 'publish', ref: r, topic: m.topic as string, records: recordsOf(m.records, data, withRef) };
    }
    const events =
      data !== null ? parseCloudEventBatch(m.cloudevents, dataOf(m.cloudevents, m.dataBytes, data, withRef)) : m.events !== undefined ? parseJsonEvents({ events: m.events }) : parseCloudEventBatch(m.cloudevents);
    return { type: 'publish', ref: r, topic: m.topic as string, events };
  } catch (e) {
    if (e instanceof EddyError) return withRef(e.message, e.code);
    throw e;
  }
}

/** The events of a binary `records` publish: `records` gives each one's byte length in `data` (which they must account for). */
function recordsOf(records: unknown, data: Uint8Array, withRef: (detail: string) => never): EncodedPublishEvent[] {
  if (!Array.isArray(records)) return withRef('"records" must be an array of byte lengths');
  eventCount(records.length);
  const out: EncodedPublishEvent[] = [];
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const n: unknown = records[i];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > data.length - at) return withRef(`records[${i}]: each entry is the byte length (1 or more) of the next record's fields, at most the ${data.length - at} bytes left`);
    out.push(cloudEventFromRecordFields(data.subarray(at, (at += n)), i));
  }
  if (at !== data.length) return withRef(`records account for ${at} bytes; ${data.length} follow the header`);
  return out;
}

/** Each CloudEvent's data in a binary publish's bytes, by `dataBytes` (which must account for every byte). */
function dataOf(cloudevents: unknown, dataBytes: unknown, data: Uint8Array, withRef: (detail: string) => never): (Uint8Array | undefined)[] {
  const count = Array.isArray(cloudevents) ? cloudevents.length : -1;
  if (!Array.isArray(dataBytes) || dataBytes.length !== count) return withRef('a binary publish needs "cloudevents" and "dataBytes": arrays of the same length');
  const out: (Uint8Array | undefined)[] = [];
  let at = 0;
  for (const n of dataBytes as unknown[]) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > data.length - at) return withRef(`dataBytes: each entry is -1 (no data) or the byte length of the next data, at most the ${data.length - at} bytes left`);
    out.push(n === -1 ? undefined : data.subarray(at, at + n));
    if (n > 0) at += n;
  }
  if (at !== data.length) return withRef(`dataBytes account for ${at} bytes; ${data.length} follow the header`);
  return out;
}

function decodeObject(m: Record<string, unknown>): ClientMessage {
  if (typeof m.type !== 'string') fail('every message needs a string "type"');
  if (m.type === 'publish') return decodePublish(m);
  const rawId = m.id;
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > wsLimits.streamIdLengthMax) fail(`"id" must be a string of 1..${wsLimits.streamIdLengthMax} characters`);
  const id = rawId;
  const credits = (v: unknown, min: number) => (v === undefined ? 0 : int(v, 'credits', min, wsLimits.creditsOutstandingMax, id));
  switch (m.type) {
    case 'subscribe':
      if ((m.topic === undefined) === (m.subscription === undefined)) fail('subscribe needs exactly one of "topic" or "subscription"', id);
      if (m.subscription !== undefined) {
        only(m, fields.subscribeSubscription, id);
        if (m.encoding !== undefined && m.encoding !== 'json' && m.encoding !== 'binary') fail('encoding must be "json" or "binary"', id);
        return { type: 'subscribe', id, subscription: name(m.subscription, 'subscription', id), credits: credits(m.credits, 0), encoding: m.encoding ?? 'json' };
      }
      only(m, fields.subscribeTopic, id);
      return {
        type: 'subscribe',
        id,
        topic: name(m.topic, 'topic', id),
        partition: m.partition === undefined ? null : int(m.partition, 'partition', 0, limits.partitionsMax - 1, id),
        from: startPosition(m.from, id),
        credits: credits(m.credits, 0),
      };
    case 'credit':
      only(m, fields.credit, id);
      if (m.credits === undefined) fail('credit needs "credits"', id);
      return { type: 'credit', id, credits: credits(m.credits, 1) };
    case 'ack':
      only(m, fields.ack, id);
      return { type: 'ack', id, ackIds: ackIds(m.ackIds, id), lingerMs: m.lingerMs === undefined ? 0 : int(m.lingerMs, 'lingerMs', 0, subscriptionLimits.ackLingerMsMax, id), ref: ref(m.ref, id) };
    case 'nack':
      only(m, fields.nack, id);
      if (m.reason !== undefined && (typeof m.reason !== 'string' || m.reason.length === 0 || m.reason.length > subscriptionLimits.nackReasonLengthMax)) fail(`reason must be a string of 1..${subscriptionLimits.nackReasonLengthMax} characters`, id);
      return {
        type: 'nack',
        id,
        ackIds: ackIds(m.ackIds, id),
        delayMs: m.delayMs === undefined ? null : int(m.delayMs, 'delayMs', 0, subscriptionLimits.backoffMsMax, id),
        reason: (m.reason as string | undefined) ?? null,
        ref: ref(m.ref, id),
      };
    case 'modifyAckDeadline':
      only(m, fields.modifyAckDeadline, id);
      return { type: 'modifyAckDeadline', id, ackIds: ackIds(m.ackIds, id), ackDeadlineMs: int(m.ackDeadlineMs, 'ackDeadlineMs', 0, subscriptionLimits.ackDeadlineMsMax, id), ref: ref(m.ref, id) };
    case 'unsubscribe':
      only(m, fields.unsubscribe, id);
      return { type: 'unsubscribe', id };
    default:
      return fail(`unknown message type "${m.type.slice(0, 32)}"; known: subscribe, credit, ack, nack, modifyAckDeadline, unsubscribe, publish`, id);
  }
}

/** One text frame (already bounded by messageBytesMax) to a client message, or an error value. */
export function decodeClientMessage(text: string): Decoded {
  return decodeJson(text, decodeObject);
}

/**
 * One binary frame (already bounded by messageBytesMax): a publish whose data travel as bytes, never
 * parsed or serialised again by the broker. A 4-byte big-endian length, that many bytes of JSON
 * header (a `publish` message whose CloudEvents have no data, with `dataBytes`; or with `records`),
 * then the data (or the record fields) of each event in order. Never throws, as decodeClientMessage.
 */
export function decodeBinaryClientMessage(frame: Uint8Array): Decoded {
  const b = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  if (b.length < 4) return { ok: false, error: { code: 'request.invalid', detail: 'a binary frame starts with the 4-byte length of its JSON header' } };
  const headerBytes = b.readUInt32BE(0);
  if (headerBytes > b.length - 4) return { ok: false, error: { code: 'request.invalid', detail: `the header length ${headerBytes} runs past the frame's ${b.length} bytes` } };
  const data = b.subarray(4 + headerBytes);
  return decodeJson(b.toString('utf8', 4, 4 + headerBytes), (m) => {
    if (m.type !== 'publish') fail('only a publish may be sent as a binary frame');
    return decodePublish(m, data);
  });
}

/**
 * A binary publish frame (see decodeBinaryClientMessage): the header's byte length, the header, then
 * each data in order. `header` carries `dataBytes` (the byte length of each entry of `data`); a caller
 * that has them already passes them as `lengths` too, so they are not counted again.
 */
export function encodePublishFrame(header: string, data: readonly (string | Uint8Array | null)[], lengths?: readonly number[]): Buffer {
  const headerBytes = Buffer.byteLength(header);
  let total = 4 + headerBytes;
  data.forEach((d, i) => {
    if (d !== null) total += lengths?.[i] ?? (typeof d === 'string' ? Buffer.byteLength(d) : d.length);
  });
  const frame = Buffer.allocUnsafe(total);
  frame.writeUInt32BE(headerBytes, 0);
  let at = 4 + frame.write(header, 4, 'utf8');
  for (const d of data) {
    if (d === null) continue;
    if (typeof d === 'string') at += frame.write(d, at, 'utf8');
    else {
      frame.set(d, at);
      at += d.length;
    }
  }
  if (at !== total) throw new Error(`encodePublishFrame: wrote ${at} of ${total} bytes (wrong lengths)`);
  return frame;
}

/**
 * Builds binary `records` publish frames (see decodeBinaryClientMessage) one record at a time: each
 * record's fields are encoded into the frame as it is added, so nothing of the record is kept while
 * the rest of the frame is built (objects that outlive a young-generation collection are promoted
 * and cost a full one later). The fields go after room left for the header, which take() writes in
 * front of them: a frame is copied only when its buffer grows or its header outgrows that room.
 */
export class RecordsFrameWriter {
  /** Header bytes (length prefix included) the buffer keeps room for: a header with ~500 length entries. */
  static readonly headerRoom = 4096;
  /** Record bytes a new buffer holds before it grows. */
  static readonly initialFieldsBytes = 16 * 1024;

  readonly #encoder = new RecordFieldsEncoder();
  readonly #fieldsBytesMax: number;
  #buf: Buffer | null = null;
  #used = 0;
  #lengths: number[] = [];

  /** `fieldsBytesMax`: the record bytes one frame may hold (the caller checks sizes before adding). */
  constructor(fieldsBytesMax: number) {
    this.#fieldsBytesMax = fieldsBytesMax;
  }

  /** Records added since the last frame. */
  get count(): number {
    return this.#lengths.length;
  }

  /** Bytes of a record's fields: what add() writes when it is the next record added. Throws a RangeError on more headers than limits.recordHeadersMax. */
  size(record: RecordInput): number {
    return this.#encoder.size(record);
  }

  /** Appends the fields of the record size() was just called with (`bytes`: what it returned). */
  add(record: RecordInput, bytes: number): void {
    const room = RecordsFrameWriter.headerRoom;
    const needed = this.#used + bytes;
    if (needed > this.#fieldsBytesMax) throw new RangeError(`RecordsFrameWriter: ${needed} bytes of records, above the ${this.#fieldsBytesMax} a frame holds`);
    if (this.#buf === null || room + needed > this.#buf.length) {
      // Not zero-filled: only what is written is sent.
      const grown = Buffer.allocUnsafe(room + Math.min(this.#fieldsBytesMax, Math.max(needed, 2 * (this.#buf?.length ?? 0), RecordsFrameWriter.initialFieldsBytes)));
      this.#buf?.copy(grown, room, room, room + this.#used);
      this.#buf = grown;
    }
    const end = this.#encoder.write(this.#buf, room + this.#used, record) - room;
    if (end - this.#used !== bytes) throw new Error(`RecordsFrameWriter: told ${bytes} bytes, the record's fields are ${end - this.#used}`);
    this.#used = end;
    this.#lengths.push(bytes);
  }

  /**
   * The frame of the records added since the last one, and a fresh start. `headerStart`: the JSON
   * header without its `records` entry and closing brace (`{"type":"publish","topic":…,"ref":…`).
   */
  take(headerStart: string): Buffer {
    const room = RecordsFrameWriter.headerRoom;
    const header = `${headerStart},"records":[${this.#lengths.join(',')}]}`;
    const headerBytes = Buffer.byteLength(header);
    let frame: Buffer;
    if (this.#buf !== null && 4 + headerBytes <= room) {
      frame = this.#buf.subarray(room - 4 - headerBytes, room + this.#used);
    } else {
      frame = Buffer.allocUnsafe(4 + headerBytes + this.#used);
      this.#buf?.copy(frame, 4 + headerBytes, room, room + this.#used);
    }
    frame.writeUInt32BE(headerBytes, 0);
    frame.write(header, 4, headerBytes, 'utf8');
    this.#buf = null;
    this.#used = 0;
    this.#lengths = [];
    return frame;
  }
}

/**
 * The binary `messages` frame of a subscription stream opened with `"encoding": "binary"`: a 4-byte
 * big-endian length, that many bytes of JSON header `{"type":"messages","id":…,"messages":[[ackId,
 * deliveryAttempt, partition, offset, timestampMs, recordBytes], …]}`, then each message's record
 * as its Kafka batch stores it (the v2 record encoding, length varint first), in order. The broker
 * copies the stored bytes; it does not decode the record or write its value again as JSON.
 */
export function encodeMessagesFrame(id: string, messages: readonly PulledMessage[], alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const prefix = `{"type":"messages","id":${JSON.stringify(id)},"messages":[`;
  const prefixBytes = Buffer.byteLength(prefix);
  // The header is written straight into the frame (no string per message): its length first.
  let headerBytes = prefixBytes + 2; // ']}'
  let recordBytes = 0;
  // Ack ids the broker makes are plain (their subscription names are [a-zA-Z0-9._-]); one that is
  // not sends every id of the frame through JSON.stringify. Checked once per id, here.
  let plain = true;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (plain && !plainAckId.test(m.ackId)) plain = false;
    headerBytes += (i === 0 ? 0 : 1) + m.ackId.length + 2 + 7 + decimalLength(m.deliveryAttempt) + decimalLength(m.partition) + decimalLength(m.offset) + decimalLength(m.record.timestampMs) + decimalLength(m.record.recordBytes);
    recordBytes += m.record.recordBytes;
  }
  if (!plain) for (const m of messages) headerBytes += Buffer.byteLength(JSON.stringify(m.ackId)) - (m.ackId.length + 2);
  const frame = alloc(4 + headerBytes + recordBytes);
  frame.writeUInt32BE(headerBytes, 0);
  let at = 4 + frame.write(prefix, 4, prefixBytes, 'utf8');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (i > 0) frame[at++] = 0x2c; // ,
    frame[at++] = 0x5b; // [
    at = writeAckIdJson(frame, at, m.ackId, plain);
    frame[at++] = 0x2c;
    at = writeDecimal(frame, at, m.deliveryAttempt);
    frame[at++] = 0x2c;
    at = writeDecimal(frame, at, m.partition);
    frame[at++] = 0x2c;
    at = writeDecimal(frame, at, m.offset);
    frame[at++] = 0x2c;
    at = writeDecimal(frame, at, m.record.timestampMs);
    frame[at++] = 0x2c;
    at = writeDecimal(frame, at, m.record.recordBytes);
    frame[at++] = 0x5d; // ]
  }
  frame[at++] = 0x5d;
  frame[at++] = 0x7d; // }
  for (const m of messages) {
    frame.set(recordBytesOf(m.record), at);
    at += m.record.recordBytes;
  }
  return frame;
}

/** Ack ids the broker makes (subscription names are [a-zA-Z0-9._-]): written between quotes as they are. */
const plainAckId = /^[a-zA-Z0-9._:-]*$/;

/** Writes an ack id as a JSON string: between quotes as it is when `plain`, else as JSON.stringify writes it. */
function writeAckIdJson(buf: Buffer, at: number, ackId: string, plain: boolean): number {
  if (!plain) return at + buf.write(JSON.stringify(ackId), at, 'utf8');
  buf[at++] = 0x22; // "
  at += buf.write(ackId, at, 'latin1');
  buf[at++] = 0x22;
  return at;
}

/** Characters of a safe integer in decimal (a minus sign first for a negative one: -1 is a record without a timestamp). */
function decimalLength(n: number): number {
  if (n < 0) return 1 + decimalLength(-n);
  let d = 1;
  for (let p = 10; n >= p; p *= 10) d++;
  return d;
}

/** Writes a safe integer in decimal at `at`, as JSON writes it; where it ends. */
function writeDecimal(buf: Buffer, at: number, n: number): number {
  if (n < 0) {
    buf[at] = 0x2d; // -
    return writeDecimal(buf, at + 1, -n);
  }
  const end = at + decimalLength(n);
  for (let i = end - 1; i >= at; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** A message of a binary `messages` frame, its record decoded. */
export interface FrameMessage {
  ackId: string;
  deliveryAttempt: number;
  partition: number;
  record: TextHeadersRecord;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

/**
 * Reads a binary `messages` frame (encodeMessagesFrame), strictly: the header's lengths must account
 * for every byte after it and each record must decode whole. Never throws: a bad frame is a detail.
 */
export function decodeMessagesFrame(frame: Uint8Array): { ok: true; id: string; messages: FrameMessage[] } | { ok: false; detail: string } {
  const bad = (detail: string) => ({ ok: false as const, detail: `binary messages frame: ${detail}` });
  const b = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  if (b.length < 4) return bad('shorter than its 4-byte header length');
  const headerBytes = b.readUInt32BE(0);
  if (headerBytes > b.length - 4) return bad(`the header length ${headerBytes} runs past the frame's ${b.length} bytes`);
  let h: unknown;
  try {
    h = JSON.parse(b.toString('utf8', 4, 4 + headerBytes));
  } catch {
    return bad('the header is not JSON');
  }
  if (typeof h !== 'object' || h === null || (h as { type?: unknown }).type !== 'messages') return bad('the header is not a "messages" object');
  const { id, messages } = h as { id?: unknown; messages?: unknown };
  if (typeof id !== 'string' || !Array.isArray(messages)) return bad('the header needs a string "id" and a "messages" array');
  const out: FrameMessage[] = [];
  let at = 4 + headerBytes;
  for (const e of messages as unknown[]) {
    if (!Array.isArray(e) || e.length !== 6) return bad('each message is [ackId, deliveryAttempt, partition, offset, timestampMs, recordBytes]');
    const [ackId, attempt, partition, offset, timestampMs, bytes] = e as unknown[];
    if (typeof ackId !== 'string' || ackId.length === 0 || ackId.length > subscriptionLimits.ackIdLengthMax) return bad(`an ack id is not a string of 1..${subscriptionLimits.ackIdLengthMax} characters`);
    if (!isInt(attempt, 1, Number.MAX_SAFE_INTEGER) || !isInt(partition, 0, limits.partitionsMax - 1) || !isInt(offset, 0, Number.MAX_SAFE_INTEGER)) return bad(`message ${out.length}: bad deliveryAttempt, partition or offset`);
    if (!isInt(timestampMs, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) return bad(`message ${out.length}: bad timestamp`);
    if (!isInt(bytes, 1, b.length - at)) return bad(`message ${out.length}: its ${String(bytes)} record bytes run past the frame`);
    const record = decodeTextRecordAt(b, at, at + bytes, offset, timestampMs);
    if (!record.ok) return bad(`message ${out.length}: ${record.error.message}`);
    out.push({ ackId, deliveryAttempt: attempt, partition, record: record.value });
    at += bytes;
  }
  if (at !== b.length) return bad(`the records end at byte ${at} of ${b.length}`);
  return { ok: true, id, messages: out };
}

function decodeJson(text: string, decode: (m: Record<string, unknown>) => ClientMessage): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: { code: 'request.malformed_json', detail: `malformed JSON: ${e instanceof Error ? e.message.slice(0, 200) : 'parse error'}` } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: { code: 'request.invalid', detail: 'a message must be a JSON object with a "type"' } };
  try {
    return { ok: true, value: decode(parsed as Record<string, unknown>) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.error };
    throw e;
  }
}
