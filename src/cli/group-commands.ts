// `eddy groups [NAME]`: consumer groups, their members, committed offsets and lag.

import { api } from './client.ts';
import { brokerUrl, parse } from './main.ts';
import { printTable } from './table.ts';

interface Group {
  groupId: string;
  state: string;
  members: { memberId: string; clientId: string; clientHost: string }[];
  offsets: { topic: string; partition: number; committedOffset: number; highWatermark: number | null; lag: number | null }[];
  totalLag: number;
}

export async function groupsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const url = brokerUrl(values.url);
  const name = positionals[0];
  if (!name) {
    const r = await api<{ groups: { groupId: string; protocolType: string; state: string }[] }>(url, 'GET', '/v1/groups');
    if (values.json) process.stdout.write(JSON.stringify(r.groups) + '\n');
    else printTable(['GROUP', 'STATE', 'PROTOCOL TYPE'], r.groups.map((g) => [g.groupId, g.state, g.protocolType]));
    return 0;
  }
  const g = await api<Group>(url, 'GET', `/v1/groups/${encodeURIComponent(name)}`);
  if (values.json) {
    process.stdout.write(JSON.stringify(g) + '\n');
    return 0;
  }
  process.stdout.write(`group ${g.groupId}: ${g.state}, ${g.members.length} member(s), total lag ${g.totalLag}\n\n`);
  printTable(['TOPIC', 'PARTITION', 'COMMITTED', 'HIGH WATERMARK', 'LAG'], g.offsets.map((o) => [o.topic, String(o.partition), String(o.committedOffset), String(o.highWatermark ?? '-'), String(o.lag ?? '-')]));
  if (g.members.length > 0) {
    process.stdout.write('\n');
    printTable(['MEMBER', 'CLIENT', 'HOST'], g.members.map((m) => [m.memberId, m.clientId, m.clientHost]));
  }
  return 0;
}
