// Eddy through its HTTP API with Node's own fetch (undici), no client library.
// - create: DELETE /v1/topics/{t} (404 is fine), POST /v1/topics { name, partitions: 4 }.
// - publish: POST /v1/topics/{t}/events with Eddy's JSON body { events: [{ value }] }, the value
//   being the payload in base64 (a JSON string: JSON cannot carry the latency workload's binary
//   prefix otherwise). Up to 1,000 events per request, fewer when they would pass ~768 KiB (the
//   broker stores a request as one record batch per partition, capped at max.message.bytes, 1 MiB);
//   each request goes to one partition (the broker's round robin between requests), window / batch
//   requests in flight.
// - send: resolves when its event is acknowledged, but sends issued in the same turn of the event
//   loop share one POST (sent at the end of that turn, not held for a timer): one fetch per event
//   saturates this client's core near 2,500 requests/s, and the latency workload at 5,000/s then
//   backs up by seconds (2 s run: p50 2.7 s), so a 10 s run would pass its 10,000-outstanding bound.
// - consume: a member of consumer group `group` (POST /v1/groups/{g}/members): starts from the
//   group's committed offsets, else the earliest; one long-poll read loop per assigned partition
//   (GET .../partitions/{p}/events?offset=&limit=10000&maxWaitMs=), committing after each read
//   (one commit in flight per partition, the next one carries the latest offset), heartbeats every
//   2 s, rejoins on a rebalance, leaves on close. onEvent gets the base64-decoded payload bytes.

import type { Connect, OnEvent, PeerClient, Subscription } from '../types.ts';
import { publishInChunks, sendsPerTurn } from './batching.ts';

const partitions = 4;
const eventsPerRequest = 1000;
/** Stored bytes per request kept under the topic's max.message.bytes (1 MiB), with room for record overhead. */
const bytesPerRequest = 768 * 1024;
const readLimit = 10_000;
const readWaitMs = 1_000;
const heartbeatMs = 2_000;

interface EventView {
  offset: number;
  value: unknown;
  valueEncoding?: 'base64';
}
interface ReadResponse {
  events: EventView[];
  nextOffset: number;
}
interface Membership {
  memberId: string;
  generationId: number;
  assignment: { topic: string; partitions: number[] }[];
}
interface GroupView {
  offsets: { topic: string; partition: number; committedOffset: number }[];
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, code: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const json = { 'content-type': 'application/json' };

export const connect: Connect = async (connection) => {
  const base = String(connection.http).replace(/\/+$/, '');

  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(base + path, { method, ...(body === undefined ? {} : { headers: json, body: typeof body === 'string' ? body : JSON.stringify(body) }), ...(signal ? { signal } : {}) });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { code?: string }).code;
      } catch {
        // not a problem document
      }
      throw new HttpError(res.status, code, `${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    return (text.length > 0 ? JSON.parse(text) : null) as T;
  }

  const subs = new Set<Subscription>();
  // Sends issued in the same turn of the event loop share one request (sent at the end of it).
  const send = sendsPerTurn<string>((stream, events) => call<unknown>('POST', `/v1/topics/${encodeURIComponent(stream)}/events`, `{"events":[${events.join(',')}]}`));

  const client: PeerClient = {
    library: `fetch (undici ${process.versions.undici})`,
    async create(stream) {
      await call('DELETE', `/v1/topics/${encodeURIComponent(stream)}`).catch((e: unknown) => {
        if (!(e instanceof HttpError && e.status === 404)) throw e;
      });
      await call('POST', '/v1/topics', { name: stream, partitions });
    },
    async publish(stream, payload, count, window) {
      const event = `{"value":"${Buffer.from(payload).toString('base64')}"}`;
      const size = Math.max(1, Math.min(eventsPerRequest, window, Math.floor(bytesPerRequest / event.length)));
      const path = `/v1/topics/${encodeURIComponent(stream)}/events`;
      const bodies = new Map<number, string>();
      const bodyOf = (n: number) => {
        let b = bodies.get(n);
        if (b === undefined) bodies.set(n, (b = `{"events":[${Array.from({ length: n }, () => event).join(',')}]}`));
        return b;
      };
      await publishInChunks(count, size, window, async (n) => {
        await call('POST', path, bodyOf(n));
      });
    },
    send(stream, payload) {
      return send(stream, `{"value":"${Buffer.from(payload).toString('base64')}"}`);
    },
    async consume(stream, group, onEvent: OnEvent) {
      const sub = await groupMember(call, stream, group, onEvent);
      subs.add(sub);
      return {
        async close() {
          subs.delete(sub);
          await sub.close();
        },
      };
    },
    async close() {
      for (const s of subs) await s.close().catch(() => {});
      subs.clear();
    },
  };
  return client;
};

type Call = <T>(method: string, path: string, body?: unknown, signal?: AbortSignal) => Promise<T>;

/** Joins `group`, reads its partitions of `stream` until closed; resolves once joined. */
async function groupMember(call: Call, stream: string, group: string, onEvent: OnEvent): Promise<Subscription> {
  const g = encodeURIComponent(group);
  const t = encodeURIComponent(stream);
  let m = await call<Membership>('POST', `/v1/groups/${g}/members`, { topics: [stream], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 });
  let closed = false;
  let rebalance: AbortController = new AbortController();
  const rejoinNeeded = (e: unknown) => e instanceof HttpError && (e.code === 'group.rebalance_in_progress' || e.code === 'group.illegal_generation' || e.code === 'group.unknown_member_id');

  const heartbeat = setInterval(() => {
    call('POST', `/v1/groups/${g}/members/${encodeURIComponent(m.memberId)}/heartbeat`, { generationId: m.generationId }).catch((e: unknown) => {
      if (rejoinNeeded(e)) rebalance.abort();
    });
  }, heartbeatMs);

  /** Reads one partition from `from` (an offset or 'earliest') until the generation ends. */
  async function readPartition(p: number, from: number | 'earliest', signal: AbortSignal): Promise<void> {
    let offset: number | 'earliest' = from;
    let committing: Promise<void> | null = null;
    let toCommit = -1;
    const commit = () => {
      if (committing) return;
      const offsets = [{ topic: stream, partition: p, offset: toCommit }];
      const sent = toCommit;
      committing = call<unknown>('POST', `/v1/groups/${g}/offsets`, { memberId: m.memberId, generationId: m.generationId, offsets }).then(
        () => {
          committing = null;
          if (toCommit > sent && !signal.aborted) commit();
        },
        (e: unknown) => {
          committing = null;
          if (rejoinNeeded(e)) rebalance.abort();
        },
      );
    };
    while (!signal.aborted) {
      let r: ReadResponse;
      try {
        r = await call<ReadResponse>('GET', `/v1/topics/${t}/partitions/${p}/events?offset=${offset}&limit=${readLimit}&maxWaitMs=${readWaitMs}`, undefined, signal);
      } catch (e) {
        if (signal.aborted) break;
        // A committed offset outside the log (e.g. the topic was re-created): restart from the
        // earliest, as a Kafka consumer with auto.offset.reset=earliest does.
        if (e instanceof HttpError && e.code === 'offset.out_of_range' && offset !== 'earliest') {
          offset = 'earliest';
          continue;
        }
        throw e;
      }
      for (const e of r.events) onEvent(decode(e));
      if (r.events.length > 0) {
        toCommit = r.nextOffset;
        commit();
      }
      offset = r.nextOffset;
    }
    await committing;
  }

  let failure: unknown = null;
  const generation = async (): Promise<void> => {
    while (!closed) {
      const mine = m.assignment.filter((a) => a.topic === stream).flatMap((a) => a.partitions);
      const committed = new Map<number, number>();
      for (const o of (await call<GroupView>('GET', `/v1/groups/${g}`)).offsets) if (o.topic === stream && o.committedOffset >= 0) committed.set(o.partition, o.committedOffset);
      const signal = rebalance.signal;
      await Promise.all(mine.map((p) => readPartition(p, committed.get(p) ?? 'earliest', signal)));
      if (closed) return;
      rebalance = new AbortController();
      m = await call<Membership>('POST', `/v1/groups/${g}/members`, { topics: [stream], memberId: m.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 });
    }
  };
  const running = generation().catch((e: unknown) => {
    failure = e;
    console.error(`http consumer ${group}: ${e instanceof Error ? e.message : String(e)}`);
  });

  return {
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      rebalance.abort();
      await running;
      await call('DELETE', `/v1/groups/${g}/members/${encodeURIComponent(m.memberId)}`).catch(() => {});
      if (failure) throw failure;
    },
  };
}

/** The payload bytes of a read event: the value is the base64 text we published. */
function decode(e: EventView): Uint8Array {
  if (typeof e.value === 'string') return Buffer.from(e.value, 'base64');
  // Not published by this client (raw bytes, or other JSON): its stored bytes, as well as the view allows.
  return Buffer.from(JSON.stringify(e.value ?? null));
}
