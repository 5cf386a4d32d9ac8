// `npm run bench`: runs each benchmark 3 times, one after another, and prints every run and the
// median of each figure. Benches measure speed; tests never do.

import { spawnSync } from 'node:child_process';

const runs = Number(process.env.EDDY_BENCH_RUNS ?? 3);
const benches: [string, string[]][] = [
  ['bench/log.ts', ['2000000', '8']],
  ['bench/http-ingest.ts', ['200000', '4']],
  ['bench/latency.ts', ['5000', '10']],
  // Kafka protocol: raw pipelined client (not the bottleneck), then kafkajs, then produce latency.
  ['bench/kafka-raw.ts', ['100', '2000000', '1000', '4', '4']],
  ['bench/kafka-raw.ts', ['1024', '500000', '1000', '4', '4']],
  ['bench/kafka-kafkajs.ts', ['100', '1000000', '1000', '8', '4']],
  ['bench/kafka-kafkajs.ts', ['1024', '300000', '1000', '8', '4']],
  ['bench/kafka-latency.ts', ['5000', '10', '1024']],
  // EventBus SDK over the eddy transport (subscriber in a child process): SDK then raw-transport
  // throughput (events, concurrency, publishMany chunk, chunks in flight, time limit s), then
  // publish -> handler latency (rate, seconds, concurrency).
  ['bench/sdk.ts', ['100000', '64', '500', '4', '300']],
  ['bench/sdk-latency.ts', ['5000', '10', '64']],
  // One hot key: events handled per second when every event waits for the previous one's ack.
  ['bench/sdk-hotkey.ts', ['2000', '16']],
  // Broker memory while the SDK publishes 1 M events of 100 B (issue #5's RSS < 256 MB).
  ['bench/sdk-memory.ts', ['1000000', '1000', '100']],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

for (const [file, args] of benches) {
  const results: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${file} failed: ${r.stderr}`);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    console.log(JSON.stringify(line));
    results.push(line);
  }
  const med: Record<string, number | string> = { bench: `${file} ${args.join(' ')}`, runs };
  for (const k of Object.keys(results[0]!)) if (typeof results[0]![k] === 'number') med[k] = median(results.map((x) => x[k]!));
  console.log('median', JSON.stringify(med));
}
