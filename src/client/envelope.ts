// The SDK's envelope: a CloudEvents 1.0 event (JSON data) with the extensions `version`,
// `correlationid`, `causationid` and `traceparent`, and its two wire forms: the structured JSON
// object (HTTP, `application/cloudevents-batch+json`) and the Kafka protocol binding in binary mode
// (`ce_<attr>` headers, `content-type`, data as the value, `partitionkey` as the key) that the broker
// stores — so an SDK event is readable by kafkajs, kcat and HTTP, and theirs by the SDK.

import { EddyError } from '../errors.ts';
import { randomHex } from './random-pool.ts';

export interface Envelope {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  /** RFC 3339 time of publishing. */
  time: string;
  datacontenttype: string;
  subject?: string;
  /** Ordering key (CloudEvents partitioning extension); the record key. */
  partitionkey?: string;
  /** The event definition's version the data was written with. */
  version: number;
  correlationid?: string;
  causationid?: string;
  /** W3C Trace Context `traceparent`. */
  traceparent?: string;
  data: unknown;
}

/** A stored record as both transports deliver it: Kafka-binding headers, JSON value already parsed. */
export interface WireRecord {
  key: string | null;
  headers: Readonly<Record<string, string | null>>;
  /** The value as JSON; a base64 string when `valueEncoding` is 'base64' (not JSON). */
  value: unknown;
  valueEncoding?: 'base64';
}

const OPTIONAL = ['subject', 'partitionkey', 'correlationid', 'causationid', 'traceparent'] as const;

/** The structured-mode JSON object (what `application/cloudevents+json` carries); its attributes only without `withData`. */
export function toStructured(e: Envelope, withData = true): Record<string, unknown> {
  const out: Record<string, unknown> = { specversion: e.specversion, id: e.id, source: e.source, type: e.type, time: e.time, datacontenttype: e.datacontenttype, version: e.version };
  for (const k of OPTIONAL) if (e[k] !== undefined) out[k] = e[k];
  if (withData) out.data = e.data;
  return out;
}

/** The Kafka binding (binary mode), exactly as the broker stores a structured CloudEvent. */
export function toWireRecord(e: Envelope): WireRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(toStructured(e))) {
    if (k === 'data') continue;
    if (k === 'datacontenttype') headers['content-type'] = String(v);
    else headers[`ce_${k}`] = String(v);
  }
  return { key: e.partitionkey ?? e.subject ?? null, headers, value: e.data };
}

function invalid(message: string): EddyError {
  return new EddyError('sdk.invalid_envelope', message);
}

function structuredFrom(r: WireRecord): Record<string, unknown> | null {
  const ct = r.headers['content-type'] ?? '';
  if (r.headers.ce_id === undefined && /^application\/cloudevents\+json/i.test(ct) && typeof r.value === 'object' && r.value !== null) return r.value as Record<string, unknown>;
  return null;
}

/** The `ce_` header of each attribute an envelope reads, made once (a name built per lookup costs a string and its hash each time). */
const ceHeader: Readonly<Record<string, string>> = Object.fromEntries(
  ['specversion', 'id', 'source', 'type', 'time', 'version', 'datacontenttype', ...OPTIONAL].map((name) => [name, `ce_${name}`]),
);

/** Reads an envelope from a record in binary mode (ce_ headers) or structured mode; throws sdk.invalid_envelope. */
export function fromWireRecord(r: WireRecord): Envelope {
  const structured = structuredFrom(r);
  const attr = (name: string): string | undefined => {
    if (structured) {
      const v = structured[name];
      return v === undefined || v === null ? undefined : String(v);
    }
    const v = r.headers[ceHeader[name]!];
    return v === null ? undefined : v;
  };
  if (attr('specversion') !== '1.0') throw invalid('specversion must be "1.0" (no ce_specversion header?)');
  const id = attr('id');
  const source = attr('source');
  const type = attr('type');
  if (!id || !source || !type) throw invalid('id, source and type are required');
  if (r.valueEncoding === 'base64') throw invalid(`${type} ${id}: data is not JSON`);
  const versionText = attr('version');
  const version = versionText === undefined ? NaN : Number(versionText);
  const e: Envelope = {
    specversion: '1.0',
    id,
    source,
    type,
    time: attr('time') ?? '',
    datacontenttype: (structured ? attr('datacontenttype') : (r.headers['content-type'] ?? undefined)) ?? 'application/json',
    version: Number.isSafeInteger(version) && version > 0 ? version : 0, // 0: not written by the SDK, taken as the latest
    data: structured ? structured.data : r.value,
  };
  for (const k of OPTIONAL) {
    const v = attr(k);
    if (v !== undefined) e[k] = v;
  }
  return e;
}

/** A new W3C traceparent: same trace as `parent` when given, a fresh span id, sampled. */
export function childTraceparent(parent?: string): string {
  const m = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  const traceId = m ? m[1]! : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${m ? m[2]! : '01'}`;
}

/** The last time isoTime wrote, and its text: events published in the same millisecond share it. */
let isoMs = Number.NaN;
let isoText = '';

/**
 * `new Date(ms).toISOString()` (an envelope's `time`), remembering the last one: the conversion costs
 * ~1.4 µs here, and a batch's events are stamped within the same few milliseconds.
 */
export function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}
