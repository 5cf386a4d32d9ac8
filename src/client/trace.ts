// bus.trace(): the causal chain of one correlation id. Reads the given topics through the transport
// (`read`, from the start), keeps the events carrying that correlation id (the chain's first event has
// it as its own id) and links each to its cause by `causationid`. Events whose cause is not among them
// (not in the topics read, or published with an explicit correlation id) are roots.
// Invariant: every matching event appears exactly once in the tree; children are ordered by time.

import { EddyError } from '../errors.ts';
import { fromWireRecord, type Envelope } from './envelope.ts';
import type { Transport } from './transport.ts';

export interface TraceOptions {
  /** Topics to read (an event type's topic is its type unless defined otherwise). */
  topics: readonly string[];
  /** Records read per topic, from its start (default 100,000). */
  maxPerTopic?: number;
}

export interface TraceNode {
  id: string;
  type: string;
  source: string;
  time: string;
  topic: string;
  causationId: string | null;
  envelope: Envelope;
  /** Events this one caused, by time. */
  children: TraceNode[];
}

export interface Trace {
  correlationId: string;
  /** Events with no known cause: normally one, the event that started the chain. */
  roots: TraceNode[];
  /** Events in the tree. */
  size: number;
}

const topicsMax = 100;
const maxPerTopicDefault = 100_000;

export async function traceOf(transport: Transport, correlationId: string, options: TraceOptions): Promise<Trace> {
  if (typeof correlationId !== 'string' || correlationId.length === 0) throw new EddyError('sdk.invalid_options', 'trace needs a correlation id');
  const topics = [...new Set(options?.topics ?? [])];
  if (topics.length === 0 || topics.length > topicsMax) throw new EddyError('sdk.invalid_options', `trace needs 1..${topicsMax} topics`);
  const max = options.maxPerTopic ?? maxPerTopicDefault;
  if (!Number.isSafeInteger(max) || max < 1) throw new EddyError('sdk.invalid_options', 'maxPerTopic must be a positive integer');
  const nodes = new Map<string, TraceNode>();
  for (const topic of topics) {
    for (const r of await transport.read(topic, { max })) {
      let env: Envelope;
      try {
        env = fromWireRecord(r);
      } catch {
        continue; // not an SDK CloudEvent
      }
      const corr = env.correlationid ?? env.id;
      if (corr !== correlationId || nodes.has(env.id)) continue;
      nodes.set(env.id, { id: env.id, type: env.type, source: env.source, time: env.time, topic, causationId: env.causationid ?? null, envelope: env, children: [] });
    }
  }
  return buildTrace(correlationId, [...nodes.values()]);
}

/** Links nodes by causation id; a cycle (malformed ids) is broken at its earliest event, which becomes a root. */
export function buildTrace(correlationId: string, nodes: readonly TraceNode[]): Trace {
  const byTime = [...nodes].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byId = new Map(byTime.map((n) => [n.id, n]));
  const kids = new Map<string, TraceNode[]>();
  const roots: TraceNode[] = [];
  for (const n of byTime) {
    const parent = n.causationId !== null && n.causationId !== n.id ? byId.get(n.causationId) : undefined;
    if (!parent) roots.push(n);
    else {
      let list = kids.get(parent.id);
      if (!list) kids.set(parent.id, (list = []));
      list.push(n);
    }
  }
  const placed = new Set<string>();
  const attach = (root: TraceNode) => {
    const stack = [root];
    placed.add(root.id);
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const c of kids.get(n.id) ?? []) {
        if (placed.has(c.id)) continue;
        placed.add(c.id);
        n.children.push(c);
        stack.push(c);
      }
    }
  };
  for (const r of roots) attach(r);
  for (const n of byTime) {
    if (placed.has(n.id)) continue; // only events on a causation cycle remain
    roots.push(n);
    attach(n);
  }
  return { correlationId, roots, size: placed.size };
}
