// Reconstructs causal chains from the stored events themselves: every SDK event carries
// `correlationid` (the id of the event that started the flow) and `causationid` (the id of the event
// whose handler published it) as CloudEvents extensions, readable over the broker's HTTP API.
import { fromWireRecord, type Envelope } from '../../src/client/index.ts'; // in your app: from 'eddy'

interface EventView {
  key: string | null;
  value: unknown;
  headers: Record<string, string | null>;
}

/** Every event of the given topics (all partitions), as CloudEvents envelopes. */
export async function readEnvelopes(httpUrl: string, topics: readonly string[]): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (const topic of topics) {
    const res = await fetch(`${httpUrl}/v1/topics/${encodeURIComponent(topic)}`);
    if (res.status === 404) continue;
    const { partitions } = (await res.json()) as { partitions: { partition: number }[] };
    for (const { partition } of partitions) {
      const r = await fetch(`${httpUrl}/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/events?offset=earliest&limit=1000`);
      const { events } = (await r.json()) as { events: EventView[] };
      for (const e of events) out.push(fromWireRecord(e));
    }
  }
  return out;
}

export interface ChainNode {
  event: Envelope;
  children: ChainNode[];
}

/** The tree of events sharing `correlationId`, rooted at the event that started it. */
export function causalTree(events: readonly Envelope[], correlationId: string): ChainNode | null {
  const mine = events.filter((e) => (e.correlationid ?? e.id) === correlationId).sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  const nodes = new Map(mine.map((e) => [e.id, { event: e, children: [] as ChainNode[] }]));
  let root: ChainNode | null = null;
  for (const n of nodes.values()) {
    const parent = n.event.causationid === undefined ? undefined : nodes.get(n.event.causationid);
    if (parent) parent.children.push(n);
    else if (n.event.id === correlationId) root = n;
  }
  return root;
}

/** One line per event, indented under its cause. */
export function formatTree(root: ChainNode, describe: (e: Envelope) => string): string[] {
  const lines: string[] = [];
  const walk = (n: ChainNode, depth: number) => {
    const e = n.event;
    const cause = e.causationid ? `caused by ${e.causationid}` : 'root';
    lines.push(`${depth === 0 ? '' : `${'   '.repeat(depth - 1)}└─ `}${e.type} ${e.id} from ${e.source} (${cause}): ${describe(e)}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  walk(root, 0);
  return lines;
}
