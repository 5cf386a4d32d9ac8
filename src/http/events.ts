// Translation between HTTP bodies and broker events: Eddy's JSON events, and CloudEvents in
// structured, batch and binary mode, stored per the CloudEvents Kafka protocol binding (binary mode:
// `ce_` headers, `content-type`, data as the value, `partitionkey` or `subject` as the key). Every
// field is checked against an explicit limit before it is used.

import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import type { PublishEvent } from '../broker/broker.ts';
import type { PulledMessage } from '../broker/subscriptions/subscription.ts';
import { recordTextAt, type RecordHeader, type TextHeadersRecord } from '../log/codec/record-batch.ts';
import { strictUtf8 } from '../log/codec/utf8.ts';
import { cloudEventDelay, type DelayableEvent, type DelayRequest } from './delayed-publish.ts';

type Header = RecordHeader;

function invalid(message: string, index?: number): EddyError {
  return new EddyError('event.invalid', index === undefined ? message : `events[${index}]: ${message}`, index === undefined ? undefined : { index });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkedString(v: unknown, what: string, maxBytes: number, index?: number): string {
  if (typeof v !== 'string') throw invalid(`${what} must be a string`, index);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no byte count.
  if (v.length * 3 > maxBytes && Buffer.byteLength(v) > maxBytes) throw invalid(`${what} is longer than ${maxBytes} bytes`, index);
  return v;
}

export function eventCount(n: number): void {
  if (n === 0) throw new EddyError('request.invalid', 'no events in the request');
  if (n > limits.httpEventsPerRequestMax) throw new EddyError('request.too_many_events', `at most ${limits.httpEventsPerRequestMax} events per request, got ${n}`);
}

/** `{ "events": [ { key?, value, headers?, partition?, id?, delayMs?, deliverAt? } ] }` (delays: see delayed-publish.ts) */
export function parseJsonEvents(body: unknown): PublishEvent[] {
  if (!isObject(body) || !Array.isArray(body.events)) throw new EddyError('request.invalid', 'body must be {"events": [...]}');
  const list = body.events as unknown[];
  eventCount(list.length);
  return list.map((e, i) => {
    if (!isObject(e)) throw invalid('must be an object', i);
    if (!('value' in e)) throw invalid('value is required (use null for a tombstone)', i);
    const headers: Header[] = [];
    if (e.headers !== undefined) {
      if (!isObject(e.headers)) throw invalid('headers must be an object of strings', i);
      const entries = Object.entries(e.headers);
      if (entries.length > limits.recordHeadersMax) throw invalid(`more than ${limits.recordHeadersMax} headers`, i);
      for (const [k, v] of entries) {
        checkedString(k, 'header name', limits.headerBytesMax, i);
        headers.push({ key: k, value: checkedString(v, `header "${k}"`, limits.headerBytesMax, i) });
      }
    }
    const out: PublishEvent = {
      key: e.key === undefined || e.key === null ? null : Buffer.from(checkedString(e.key, 'key', limits.keyBytesMax, i)),
      value: e.value === null ? null : JSON.stringify(e.value), // written into the batch as UTF-8
      headers,
    };
    if (e.partition !== undefined) {
      if (typeof e.partition !== 'number' || !Number.isInteger(e.partition) || e.partition < 0) throw invalid('partition must be a non-negative integer', i);
      out.partition = e.partition;
    }
    if (e.id !== undefined) {
      out.id = checkedString(e.id, 'id', limits.eventIdLengthMax, i);
      if (out.id.length === 0) throw invalid('id must not be empty', i);
      headers.push({ key: 'eddy.id', value: out.id });
    }
    if (e.delayMs !== undefined || e.deliverAt !== undefined) (out as DelayableEvent).delay = { delayMs: e.delayMs, deliverAt: e.deliverAt };
    return out;
  });
}

const CE_REQUIRED = ['id', 'source', 'type'] as const;

/** `ce_<name>` header names of the attribute names seen valid so far (a few dozen in practice; bounded, so odd names cannot grow it). */
const ceHeaderNames = new Map<string, string>();
const ceHeaderNamesMax = 256;

/** The header of a valid attribute name; throws event.invalid for an invalid one. */
function ceHeaderName(attribute: string, index: number | undefined): string {
  let h = ceHeaderNames.get(attribute);
  if (h === undefined) {
    if (!CE_NAME.test(attribute)) throw invalid(`CloudEvent attribute name "${attribute}" must be lowercase letters and digits`, index);
    h = `ce_${attribute}`;
    if (ceHeaderNames.size < ceHeaderNamesMax) ceHeaderNames.set(attribute, h);
  }
  return h;
}
const CE_NAME = /^[a-z0-9]{1,64}$/;

/**
 * One structured-mode CloudEvent (JSON object) to a broker event. `data`: the event's data as bytes
 * (or as text, stored as its UTF-8 bytes), sent beside the attributes (a binary WebSocket publish),
 * stored as they are; the object then carries no data of its own.
 */
export function cloudEventFromJson(ce: unknown, index?: number, data?: Uint8Array | string): PublishEvent {
  if (!isObject(ce)) throw invalid('a CloudEvent must be a JSON object', index);
  if (ce.specversion !== '1.0') throw invalid('specversion must be "1.0"', index);
  for (const k of CE_REQUIRED) {
    if (typeof ce[k] !== 'string' || (ce[k] as string).length === 0) throw invalid(`CloudEvent attribute "${k}" is required and must be a non-empty string`, index);
  }
  if ('data' in ce && 'data_base64' in ce) throw invalid('data and data_base64 are mutually exclusive', index);
  if (data !== undefined && ('data' in ce || 'data_base64' in ce)) throw invalid('this event\'s data travels after the header (dataBytes): its attributes carry no data or data_base64', index);
  const headers: Header[] = [];
  let delay: DelayRequest | null = null; // made only for a delayed event
  let contentType: string | undefined;
  let key: string | null = null;
  let subject: string | null = null;
  let attributes = 0;
  // for-in over the parsed JSON object (own, enumerable, in order): no entry arrays on the hot path.
  for (const name in ce) {
    if (++attributes > limits.recordHeadersMax) throw invalid('too many attributes', index);
    if (name === 'data' || name === 'data_base64') continue;
    const v = ce[name];
    if (name === 'eddydelayms' || name === 'eddydeliverat') {
      cloudEventDelay((delay ??= {}), name, v, index); // delayed delivery: not stored as attributes
      continue;
    }
    const header = ceHeaderName(name, index);
    if (v === null) continue;
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
    if (s === null) throw invalid(`CloudEvent attribute "${name}" must be a string, number or boolean`, index);
    checkedString(s, `attribute "${name}"`, limits.headerBytesMax, index);
    if (name === 'datacontenttype') {
      contentType = s;
      continue;
    }
    if (name === 'partitionkey') key = s;
    if (name === 'subject') subject = s;
    headers.push({ key: header, value: s });
  }
  if (typeof ce.id === 'string' && ce.id.length > limits.eventIdLengthMax) throw invalid(`id is longer than ${limits.eventIdLengthMax} characters`, index);
  // Text values stay strings: the batch encoder writes them as UTF-8 (no Buffer per event).
  let value: Uint8Array | string | null = null;
  if (data !== undefined) {
    value = data;
    contentType ??= 'application/json';
  } else if (typeof ce.data_base64 === 'string') value = Buffer.from(ce.data_base64, 'base64');
  else if ('data' in ce && ce.data !== undefined) {
    const jsonish = contentType === undefined || /json/i.test(contentType);
    if (!jsonish && typeof ce.data === 'string') value = ce.data;
    else {
      value = JSON.stringify(ce.data);
      contentType ??= 'application/json';
    }
  }
  if (contentType !== undefined) headers.push({ key: 'content-type', value: contentType });
  const k = key ?? subject;
  if (k !== null) checkedString(k, 'partition key', limits.keyBytesMax, index);
  const out: DelayableEvent = { key: k === null ? null : Buffer.from(k), value, headers, id: ce.id as string };
  if (delay !== null) out.delay = delay;
  return out;
}

/** A CloudEvents batch; `data`: each event's data as bytes, when they travel beside the batch (see cloudEventFromJson). */
export function parseCloudEventBatch(body: unknown, data?: readonly (Uint8Array | undefined)[]): PublishEvent[] {
  if (!Array.isArray(body)) throw new EddyError('request.invalid', 'a CloudEvents batch must be a JSON array');
  eventCount(body.length);
  return body.map((ce, i) => cloudEventFromJson(ce, i, data?.[i]));
}

/** Binary mode: attributes in `ce-*` HTTP headers, the body is the data. */
export function cloudEventFromBinary(httpHeaders: Record<string, string | string[] | undefined>, body: Buffer): PublishEvent {
  const ce: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(httpHeaders)) {
    if (!name.startsWith('ce-') || v === undefined) continue;
    ce[name.slice(3)] = Array.isArray(v) ? v.join(',') : decodeURIComponentSafe(v);
  }
  const contentType = httpHeaders['content-type'];
  const e = cloudEventFromJson({ ...ce, ...(typeof contentType === 'string' ? { datacontenttype: contentType } : {}) });
  e.value = body;
  return e;
}

function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export interface EventView {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  keyEncoding?: 'base64';
  value: unknown;
  valueEncoding?: 'base64';
  headers: Record<string, string | null>;
}

function text(b: Uint8Array): string | null {
  return strictUtf8(b, 0, b.length);
}

/** A record's key as shown: its UTF-8 text, else base64. */
function keyOf(r: TextHeadersRecord): { key: string; base64: boolean } | null {
  if (r.key === null) return null;
  const k = text(r.key);
  return k === null ? { key: Buffer.from(r.key).toString('base64'), base64: true } : { key: k, base64: false };
}

/** A record's value as shown: JSON text (checked by parsing it) with its parsed value, else base64. */
function valueOf(r: TextHeadersRecord): { json: string; parsed: unknown } | { base64: string } | null {
  if (r.value === null) return null;
  const t = text(r.value);
  if (t !== null && t.length > 0) {
    try {
      return { json: t, parsed: JSON.parse(t) };
    } catch {
      // not JSON: base64 below
    }
  }
  return { base64: Buffer.from(r.value).toString('base64') };
}

function headersOf(r: TextHeadersRecord): Record<string, string | null> {
  const headers: Record<string, string | null> = {};
  for (const h of r.headers) headers[h.key] = h.value === null || typeof h.value === 'string' ? h.value : (text(h.value) ?? Buffer.from(h.value).toString('base64'));
  return headers;
}

/**
 * A stored record as the HTTP API shows it, as an object: JSON values as JSON, anything else base64.
 * The API writes recordViewJson, which means the same (its tests compare the two).
 */
export function recordView(partition: number, r: TextHeadersRecord): EventView {
  const view: EventView = { partition, offset: r.offset, timestamp: r.timestampMs, key: null, value: null, headers: {} };
  const k = keyOf(r);
  if (k !== null) {
    view.key = k.key;
    if (k.base64) view.keyEncoding = 'base64';
  }
  const v = valueOf(r);
  if (v !== null) {
    if ('json' in v) view.value = v.parsed;
    else {
      view.value = v.base64;
      view.valueEncoding = 'base64';
    }
  }
  view.headers = headersOf(r);
  return view;
}

const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/**
 * JSON.stringify(recordView(partition, r)) in meaning, without serialising the value again: a JSON
 * value's stored text is written as it is (it parsed, so it is valid JSON), which saves most of the
 * cost for large values. Always one line (a value with raw line breaks in its whitespace is written
 * from its parsed form), so it can go in an SSE `data:` field.
 */
export function recordViewJson(partition: number, r: TextHeadersRecord): string {
  const k = keyOf(r);
  const v = valueOf(r);
  let value = 'null';
  if (v !== null) {
    if (!('json' in v)) value = JSON.stringify(v.base64);
    else value = v.json.includes('\n') || v.json.includes('\r') ? JSON.stringify(v.parsed) : v.json;
  }
  let out = `{"partition":${num(partition)},"offset":${num(r.offset)},"timestamp":${num(r.timestampMs)},"key":${k === null ? 'null' : JSON.stringify(k.key)},"value":${value},"headers":${JSON.stringify(headersOf(r))}`;
  if (k?.base64) out += ',"keyEncoding":"base64"';
  if (v !== null && !('json' in v)) out += ',"valueEncoding":"base64"';
  return out + '}';
}

/**
 * The fields of a leased message as JSON (`"ackId":…,"deliveryAttempt":…,"event":{…}`, no braces):
 * one message of an HTTP pull answer, or of a WebSocket `message` frame with its type and stream id
 * before them.
 */
export function leasedMessageFieldsJson(m: PulledMessage): string {
  return `"ackId":${JSON.stringify(m.ackId)},"deliveryAttempt":${num(m.deliveryAttempt)},"event":${recordViewJson(m.partition, recordTextAt(m.record))}`;
}
