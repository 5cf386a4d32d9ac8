// Request encoders and response decoders for the data APIs (Produce, Fetch, ListOffsets,
// InitProducerId), written independently of the broker's modules, for raw-socket tests.

import type { KafkaReader } from '../../src/kafka/protocol/reader.ts';
import type { KafkaWriter } from '../../src/kafka/protocol/writer.ts';
import type { RawKafka } from './kafka-raw.ts';

export interface ProducedPartition {
  index: number;
  error: number;
  baseOffset: number;
  logStartOffset: number;
  errorMessage: string | null;
}

export function writeProduce(w: KafkaWriter, o: { acks?: number; transactionalId?: string | null; topic: string; partitions: { index: number; records: Uint8Array | null }[] }): void {
  w.nullableString(o.transactionalId ?? null).int16(o.acks ?? -1).int32(30_000);
  w.array([o.topic], (t) => {
    w.string(t);
    w.array(o.partitions, (p) => {
      w.int32(p.index).nullableBytes(p.records);
      w.tags();
    });
    w.tags();
  });
  w.tags();
}

/** Produce v8 (or v9 flexible) of one topic; answers the partitions' results. */
export async function produceRaw(
  c: RawKafka,
  o: { acks?: number; transactionalId?: string | null; topic: string; partitions: { index: number; records: Uint8Array | null }[]; version?: number },
): Promise<ProducedPartition[]> {
  const version = o.version ?? 8;
  const flexible = version >= 9;
  const r = await c.request(0, version, (w) => writeProduce(w, o), { flexible });
  const out: ProducedPartition[] = [];
  r.array(() => {
    r.string();
    r.array(() => {
      const index = r.int32();
      const error = r.int16();
      const baseOffset = r.int64();
      r.int64();
      const logStartOffset = r.int64();
      r.array(() => (r.int32(), r.nullableString(), r.tags()));
      const errorMessage = r.nullableString();
      r.tags();
      out.push({ index, error, baseOffset, logStartOffset, errorMessage });
    });
    r.tags();
  });
  r.int32();
  r.tags();
  r.end();
  if (!r.ok) throw new Error(`bad Produce response: ${r.error!.message}`);
  return out;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  error: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: Buffer;
}

export interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  version?: number;
  topics: { name: string; partitions: { partition: number; offset: number; maxBytes?: number }[] }[];
}

export function writeFetch(w: KafkaWriter, version: number, o: FetchOptions): void {
  w.int32(-1).int32(o.maxWaitMs ?? 0).int32(o.minBytes ?? 1).int32(o.maxBytes ?? 50 * 1024 * 1024).int8(0).int32(0).int32(-1);
  w.array(o.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      w.int32(p.partition).int32(-1).int64(p.offset);
      if (version >= 12) w.int32(-1);
      w.int64(-1).int32(p.maxBytes ?? 1024 * 1024);
      w.tags();
    });
    w.tags();
  });
  w.array([], () => {});
  w.string('');
  w.tags();
}

export function readFetchResponse(r: KafkaReader): FetchedPartition[] {
  const out: FetchedPartition[] = [];
  r.int32();
  r.int16();
  r.int32();
  r.array(() => {
    const topic = r.string();
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      const highWatermark = r.int64();
      const lastStableOffset = r.int64();
      const logStartOffset = r.int64();
      r.nullableArray(() => (r.int64(), r.int64(), r.tags()));
      r.int32();
      const records = Buffer.from(r.nullableBytes() ?? new Uint8Array(0));
      r.tags();
      out.push({ topic, partition, error, highWatermark, lastStableOffset, logStartOffset, records });
    });
    r.tags();
  });
  r.tags();
  r.end();
  if (!r.ok) throw new Error(`bad Fetch response: ${r.error!.message}`);
  return out;
}

/** Fetch v11 (or v12 flexible). */
export async function fetchRaw(c: RawKafka, o: FetchOptions): Promise<FetchedPartition[]> {
  const version = o.version ?? 11;
  const r = await c.request(1, version, (w) => writeFetch(w, version, o), { flexible: version >= 12 });
  return readFetchResponse(r);
}

/** Base offsets of the batches in a Fetch records blob. */
export function batchBaseOffsets(records: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 12 <= records.length; pos += records.readInt32BE(pos + 8) + 12) out.push(Number(records.readBigInt64BE(pos)));
  return out;
}

/** InitProducerId v1 (or v4 flexible, with the producer id and epoch to bump). */
export async function initProducerIdRaw(c: RawKafka, o: { version?: number; transactionalId?: string | null; producerId?: number; epoch?: number } = {}): Promise<{ error: number; producerId: number; epoch: number }> {
  const version = o.version ?? 1;
  const r = await c.request(
    22,
    version,
    (w) => {
      w.nullableString(o.transactionalId ?? null).int32(60_000);
      if (version >= 3) w.int64(o.producerId ?? -1).int16(o.epoch ?? -1);
      w.tags();
    },
    { flexible: version >= 2 },
  );
  r.int32();
  const error = r.int16();
  const producerId = r.int64();
  const epoch = r.int16();
  r.tags();
  r.end();
  if (!r.ok) throw new Error(`bad InitProducerId response: ${r.error!.message}`);
  return { error, producerId, epoch };
}
