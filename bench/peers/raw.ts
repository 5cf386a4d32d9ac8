// Eddy's own capacity, with a load generator that is not the bottleneck: bench/kafka-raw.ts
// (pre-encoded Produce v7 requests pipelined over 4 raw sockets, then Fetch v11 reading everything
// back, records counted from batch headers) against a broker with fsync=always, at the P100 and P1k
// sizes; at the P1k size also F (4 consumer groups reading everything at once, each committing its
// offsets after every response). Rows carry client 'raw'.

import { spawnSync } from 'node:child_process';
import type { Row } from './report.ts';

export async function rawRows(run: number, scale: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, size, count, groups] of [['100', 100, 1_000_000, 0], ['1k', 1024, 200_000, 4]] as const) {
    const n = Math.max(4000, Math.round(count * scale));
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('../kafka-raw.ts', import.meta.url).pathname, String(size), String(n), '1000', '4', '4', String(groups)], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`kafka-raw.ts failed: ${r.stderr}`);
    const x = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    const base = { run, server: 'eddy-always', client: 'raw', library: 'raw Kafka load generator (bench/kafka-raw.ts)' };
    const phases: [string, string, number][] = [[`P${name}`, 'produce', x.messages!], [`C${name}`, 'fetch', x.messages!]];
    if (groups > 0) phases.push(['F', 'fanout', groups * x.messages!]);
    for (const [w, k, events] of phases) {
      rows.push({
        ...base,
        workload: w,
        events,
        eventsPerSec: x[`${k}MsgPerSec`]!,
        mbPerSec: x[`${k}MBPerSec`]!,
        serverCpuUsPerEvent: Math.round((x[`${k}BrokerCpuMsPer1M`]! / 1000) * 100) / 100,
        serverCpuPct: x[`${k}BrokerCpuPct`]!,
        clientCpuPct: x[`${k}ClientCpuPct`]!,
        serverMaxRssMB: x.brokerMaxRssMB!,
      });
    }
  }
  return rows;
}
