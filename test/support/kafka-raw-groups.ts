// A small raw-socket Kafka client for protocol-level tests of the group APIs: it frames requests
// (header v1, or v2 for flexible versions) encoded with KafkaWriter, pipelines them, and hands back
// each response body as a KafkaReader. Typed helpers cover the exact fields of every version, so a
// test states the version and the wire layout is checked by decoding to the end.

import { connect, type Socket } from 'node:net';
import { KafkaReader } from '../../src/kafka/protocol/reader.ts';
import { KafkaWriter } from '../../src/kafka/protocol/writer.ts';

/** First flexible version of each group API (and ApiVersions), as the Kafka schemas say. */
export const flexibleFrom: Record<number, number> = { 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 18: 3, 42: 2 };

interface Waiter {
  correlationId: number;
  flexible: boolean;
  apiKey: number;
  resolve(r: KafkaReader): void;
  reject(e: Error): void;
}

export class RawKafkaClient {
  readonly #socket: Socket;
  readonly clientId: string;
  #buffer = Buffer.alloc(0);
  #waiters: Waiter[] = [];
  #nextCorrelationId = 1;
  #closed: Error | null = null;

  private constructor(socket: Socket, clientId: string) {
    this.#socket = socket;
    this.clientId = clientId;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#fail(new Error('connection closed')));
    socket.on('error', (e) => this.#fail(e));
  }

  static connect(port: number, clientId = 'raw-client'): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.off('error', reject);
        resolve(new RawKafkaClient(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Sends one request; resolves with the response body (after the response header). */
  request(apiKey: number, version: number, body: (w: KafkaWriter) => void, options: { flexible?: boolean } = {}): Promise<KafkaReader> {
    if (this.#closed) return Promise.reject(this.#closed);
    const flexible = options.flexible ?? version >= (flexibleFrom[apiKey] ?? Infinity);
    const correlationId = this.#nextCorrelationId++;
    const w = new KafkaWriter(false);
    w.int32(0).int16(apiKey).int16(version).int32(correlationId).nullableString(this.clientId);
    w.flexible = flexible;
    w.tags();
    body(w);
    return this.sendFrame(w.finish(), { correlationId, flexible, apiKey });
  }

  /** Sends prepared request bytes (size prefix rewritten), e.g. a byte-exact copy of another client's. */
  sendFrame(frame: Buffer, expect: { correlationId: number; flexible: boolean; apiKey: number }): Promise<KafkaReader> {
    frame.writeInt32BE(frame.length - 4, 0);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ ...expect, resolve, reject });
      this.#socket.write(frame);
    });
  }

  nextCorrelationId(): number {
    return this.#nextCorrelationId++;
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4) {
      const size = this.#buffer.readInt32BE(0);
      if (this.#buffer.length < 4 + size) return;
      const frame = this.#buffer.subarray(4, 4 + size);
      this.#buffer = this.#buffer.subarray(4 + size);
      const waiter = this.#waiters.shift();
      if (!waiter) return this.#fail(new Error('response without a request'));
      const r = new KafkaReader(frame, { flexible: false });
      const correlationId = r.int32();
      if (correlationId !== waiter.correlationId) {
        waiter.reject(new Error(`correlation id ${correlationId}, expected ${waiter.correlationId} (out of order)`));
        continue;
      }
      r.flexible = waiter.flexible && waiter.apiKey !== 18;
      r.tags();
      r.flexible = waiter.flexible;
      waiter.resolve(r);
    }
  }

  #fail(e: Error): void {
    this.#closed ??= e;
    for (const w of this.#waiters.splice(0)) w.reject(e);
  }
}

/** What the typed helpers need: a raw client, or a stub that captures request bodies (codec tests). */
export type Requester = Pick<RawKafkaClient, 'request'>;

/** Checks the body was read exactly, then returns the value. */
export function done<T>(r: KafkaReader, value: T): T {
  r.end();
  if (!r.ok) throw new Error(`bad response: ${r.error!.message}`);
  return value;
}

export interface JoinArgs {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: { name: string; metadata: Uint8Array }[];
}

export interface JoinResponse {
  throttleMs: number;
  error: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export async function joinGroup(c: Requester, version: number, a: JoinArgs): Promise<JoinResponse> {
  const r = await c.request(11, version, (w) => {
    w.string(a.groupId).int32(a.sessionTimeoutMs ?? 10_000);
    if (version >= 1) w.int32(a.rebalanceTimeoutMs ?? 10_000);
    w.string(a.memberId ?? '');
    if (version >= 5) w.nullableString(a.groupInstanceId ?? null);
    w.string(a.protocolType ?? 'consumer');
    w.array(a.protocols ?? [{ name: 'range', metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }], (p) => {
      w.string(p.name).bytes(p.metadata);
      w.tags();
    });
    w.tags();
  });
  const throttleMs = version >= 2 ? r.int32() : 0;
  const error = r.int16();
  const generationId = r.int32();
  const protocolType = version >= 7 ? r.nullableString() : null;
  const protocolName = version >= 7 ? r.nullableString() : r.string();
  const leader = r.string();
  const memberId = r.string();
  const members = r.array(() => {
    const id = r.string();
    const groupInstanceId = version >= 5 ? r.nullableString() : null;
    const metadata = new Uint8Array(r.bytes());
    r.tags();
    return { memberId: id, groupInstanceId, metadata };
  });
  r.tags();
  return done(r, { throttleMs, error, generationId, protocolType, protocolName, leader, memberId, members });
}

export interface SyncArgs {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType?: string | null;
  protocolName?: string | null;
  assignments?: { memberId: string; assignment: Uint8Array }[];
}

export async function syncGroup(c: Requester, version: number, a: SyncArgs) {
  const r = await c.request(14, version, (w) => {
    w.string(a.groupId).int32(a.generationId).string(a.memberId);
    if (version >= 3) w.nullableString(a.groupInstanceId ?? null);
    if (version >= 5) w.nullableString(a.protocolType ?? null).nullableString(a.protocolName ?? null);
    w.array(a.assignments ?? [], (x) => {
      w.string(x.memberId).bytes(x.assignment);
      w.tags();
    });
    w.tags();
  });
  if (version >= 1) r.int32();
  const error = r.int16();
  const protocolType = version >= 5 ? r.nullableString() : null;
  const protocolName = version >= 5 ? r.nullableString() : null;
  const assignment = r.bytes();
  r.tags();
  return done(r, { error, protocolType, protocolName, assignment: Buffer.from(assignment) });
}

export async function heartbeat(c: Requester, version: number, a: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null }) {
  const r = await c.request(12, version, (w) => {
    w.string(a.groupId).int32(a.generationId).string(a.memberId);
    if (version >= 3) w.nullableString(a.groupInstanceId ?? null);
    w.tags();
  });
  if (version >= 1) r.int32();
  const error = r.int16();
  r.tags();
  return done(r, error);
}

export async function leaveGroup(c: Requester, version: number, a: { groupId: string; members: { memberId: string; groupInstanceId?: string | null }[] }) {
  const r = await c.request(13, version, (w) => {
    w.string(a.groupId);
    if (version <= 2) w.string(a.members[0]!.memberId);
    else {
      w.array(a.members, (m) => {
        w.string(m.memberId).nullableString(m.groupInstanceId ?? null);
        if (version >= 5) w.nullableString('test');
        w.tags();
      });
    }
    w.tags();
  });
  if (version >= 1) r.int32();
  const error = r.int16();
  const members =
    version >= 3
      ? r.array(() => {
          const memberId = r.string();
          const groupInstanceId = r.nullableString();
          const e = r.int16();
          r.tags();
          return { memberId, groupInstanceId, error: e };
        })
      : [];
  r.tags();
  return done(r, { error, members });
}

export interface CommitArgs {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  topics: { name: string; partitions: { partition: number; offset: number; metadata?: string | null }[] }[];
}

export async function offsetCommit(c: Requester, version: number, a: CommitArgs) {
  const r = await c.request(8, version, (w) => {
    w.string(a.groupId).int32(a.generationId ?? -1).string(a.memberId ?? '');
    if (version >= 7) w.nullableString(a.groupInstanceId ?? null);
    if (version <= 4) w.int64(-1);
    w.array(a.topics, (t) => {
      w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.partition).int64(p.offset);
        if (version >= 6) w.int32(-1);
        w.nullableString(p.metadata === undefined ? '' : p.metadata);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  });
  if (version >= 3) r.int32();
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      r.tags();
      return { partition, error };
    });
    r.tags();
    return { name, partitions };
  });
  r.tags();
  return done(r, topics);
}

export interface FetchedPartition {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  error: number;
}
export type FetchedTopics = { name: string; partitions: FetchedPartition[] }[];

function readFetchedTopics(r: KafkaReader, version: number): FetchedTopics {
  return r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const partition = r.int32();
      const offset = r.int64();
      const leaderEpoch = version >= 5 ? r.int32() : -1;
      const metadata = r.nullableString();
      const error = r.int16();
      r.tags();
      return { partition, offset, leaderEpoch, metadata, error };
    });
    r.tags();
    return { name, partitions };
  });
}

type FetchTopicsArg = { name: string; partitions: number[] }[] | null;

function writeFetchTopics(w: KafkaWriter, topics: FetchTopicsArg): void {
  w.nullableArray(topics, (t) => {
    w.string(t.name).array(t.partitions, (p) => w.int32(p));
    w.tags();
  });
}

/** OffsetFetch v1–v7 (one group). */
export async function offsetFetch(c: Requester, version: number, a: { groupId: string; topics: FetchTopicsArg; requireStable?: boolean }) {
  const r = await c.request(9, version, (w) => {
    w.string(a.groupId);
    writeFetchTopics(w, a.topics);
    if (version >= 7) w.bool(a.requireStable ?? false);
    w.tags();
  });
  if (version >= 3) r.int32();
  const topics = readFetchedTopics(r, version);
  const error = version >= 2 ? r.int16() : 0;
  r.tags();
  return done(r, { topics, error });
}

/** OffsetFetch v8 (several groups). */
export async function offsetFetchGroups(c: Requester, groups: { groupId: string; topics: FetchTopicsArg }[]) {
  const r = await c.request(9, 8, (w) => {
    w.array(groups, (g) => {
      w.string(g.groupId);
      writeFetchTopics(w, g.topics);
      w.tags();
    });
    w.bool(false);
    w.tags();
  });
  r.int32();
  const out = r.array(() => {
    const groupId = r.string();
    const topics = readFetchedTopics(r, 8);
    const error = r.int16();
    r.tags();
    return { groupId, topics, error };
  });
  r.tags();
  return done(r, out);
}

/** The metadata bytes of a ConsumerProtocol subscription v0 to the given topics. */
export function subscription(topics: string[]): Uint8Array {
  const w = new KafkaWriter(false);
  w.int16(0).array(topics, (t) => w.string(t)).nullableBytes(null);
  return new Uint8Array(w.finish());
}

/** The bytes of a ConsumerProtocol assignment v0. */
export function assignment(topics: { topic: string; partitions: number[] }[]): Uint8Array {
  const w = new KafkaWriter(false);
  w.int16(0).array(topics, (t) => w.string(t.topic).array(t.partitions, (p) => w.int32(p))).nullableBytes(null);
  return new Uint8Array(w.finish());
}
