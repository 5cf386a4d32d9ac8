// The machine's latency floor for two Node processes: 1 KiB messages at a fixed rate through a
// trivial echo process, sent on a 1 ms tick like the latency benches. Prints the round trip's
// quantiles for every second (the first seconds show the warm-up bench/warmup.ts explains) and for
// the period after the warm-up. Usage: node --import tsx bench/loopback-echo.ts [rate=5000] [seconds=10]

import { loopbackEcho } from './peers/limits.ts';
import { latencyWarmupSeconds } from './warmup.ts';

const rate = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);
const { perSecond, measured } = await loopbackEcho({ rate, seconds, warmupSeconds: latencyWarmupSeconds });
perSecond.forEach((q, i) => console.error(`second ${i + 1}${i < latencyWarmupSeconds ? ' (warm-up)' : ''}: p50 ${q.p50Ms} p99 ${q.p99Ms} max ${q.maxMs} ms`));
console.log(JSON.stringify({ bench: 'loopback-echo', rate, seconds, warmupSeconds: latencyWarmupSeconds, ...measured }));
