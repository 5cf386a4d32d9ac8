// `eddy consume TOPIC --group G`: consumes as a member of consumer group G (sharing the topic's
// partitions with the group's other members, Kafka clients included), starting from the group's
// committed offsets and committing after each printed batch; it heartbeats, rejoins on a rebalance
// and leaves the group when done.

import { ApiError, api } from './client.ts';

interface Membership {
  memberId: string;
  generationId: number;
  assignment: { topic: string; partitions: number[] }[];
}
interface ReadResponse {
  events: { partition: number; offset: number; value: unknown; valueEncoding?: string }[];
  nextOffset: number;
  highWatermark: number;
}
interface GroupView {
  offsets: { topic: string; partition: number; committedOffset: number }[];
}

export interface GroupConsumeOptions {
  url: string;
  topic: string;
  group: string;
  fromBeginning: boolean;
  follow: boolean;
  max: number;
  json: boolean;
  signal: AbortSignal;
  print(line: string): void;
}

const HEARTBEAT_MS = 3_000;

export async function consumeInGroup(o: GroupConsumeOptions): Promise<number> {
  const g = encodeURIComponent(o.group);
  const t = encodeURIComponent(o.topic);
  let m: Membership = await api<Membership>(o.url, 'POST', `/v1/groups/${g}/members`, { topics: [o.topic] });
  let rebalance = false;
  const heartbeat = setInterval(() => {
    api(o.url, 'POST', `/v1/groups/${g}/members/${encodeURIComponent(m.memberId)}/heartbeat`, { generationId: m.generationId }).catch((e: unknown) => {
      if (e instanceof ApiError && e.code === 'group.rebalance_in_progress') rebalance = true;
    });
  }, HEARTBEAT_MS);
  let printed = 0;
  try {
    for (;;) {
      const mine = m.assignment.filter((a) => a.topic === o.topic).flatMap((a) => a.partitions);
      const committed = new Map((await api<GroupView>(o.url, 'GET', `/v1/groups/${g}`)).offsets.filter((x) => x.topic === o.topic).map((x) => [x.partition, x.committedOffset]));
      const desc = await api<{ partitions: { partition: number; earliestOffset: number; latestOffset: number }[] }>(o.url, 'GET', `/v1/topics/${t}`);
      const state = mine.map((p) => {
        const d = desc.partitions[p]!;
        const c = committed.get(p);
        return { partition: p, next: c !== undefined && c >= 0 ? c : o.fromBeginning ? d.earliestOffset : d.latestOffset, end: d.latestOffset };
      });
      while (!rebalance && printed < o.max && !o.signal.aborted) {
        const active = state.filter((s) => o.follow || s.next < s.end);
        if (active.length === 0) return 0;
        for (const s of active) {
          const limit = Math.min(1000, o.max - printed);
          if (limit <= 0) break;
          const wait = o.follow ? Math.floor(2000 / active.length) : 0;
          const r = await api<ReadResponse>(o.url, 'GET', `/v1/topics/${t}/partitions/${s.partition}/events?offset=${s.next}&limit=${limit}&maxWaitMs=${wait}`, undefined, { signal: o.signal });
          for (const e of r.events) o.print(o.json ? JSON.stringify(e) : e.valueEncoding ? String(e.value) : typeof e.value === 'string' ? e.value : JSON.stringify(e.value));
          printed += r.events.length;
          if (r.nextOffset > s.next) {
            s.next = r.nextOffset;
            try {
              await api(o.url, 'POST', `/v1/groups/${g}/offsets`, { memberId: m.memberId, generationId: m.generationId, offsets: [{ topic: o.topic, partition: s.partition, offset: s.next }] });
            } catch (e) {
              if (e instanceof ApiError && (e.code === 'group.rebalance_in_progress' || e.code === 'group.illegal_generation')) rebalance = true;
              else throw e;
            }
          }
          if (r.events.length === 0 && !o.follow) s.end = Math.min(s.end, s.next);
          if (rebalance) break;
        }
      }
      if (!rebalance || o.signal.aborted || printed >= o.max) return 0;
      rebalance = false;
      m = await api<Membership>(o.url, 'POST', `/v1/groups/${g}/members`, { topics: [o.topic], memberId: m.memberId });
    }
  } finally {
    clearInterval(heartbeat);
    await api(o.url, 'DELETE', `/v1/groups/${g}/members/${encodeURIComponent(m.memberId)}`).catch(() => {});
  }
}
