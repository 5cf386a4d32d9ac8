// Preload for a broker under a bench: V8's sampling heap profiler over the process's whole life,
// counting objects the garbage collector already freed too (what was allocated, not what is live),
// written as JSON to ALLOC_SAMPLER_LOG (default /tmp/alloc-<pid>.json) at SIGTERM or exit. Read it with
// bench/alloc-top.ts. With the SDK bench:
//   EDDY_BROKER_NODE_ARGS="--import $PWD/bench/alloc-sampler.mjs" node --import tsx bench/sdk.ts 60000 64 500 4 200
//   node --import tsx bench/alloc-top.ts /tmp/alloc-<pid>.json 60000
// ALLOC_SAMPLER_PROMOTED=1 leaves out what young-generation collections freed: what is left is what
// lived long enough to be promoted to the old generation (and what is still live), the garbage that
// makes mark-compact collections (and their pauses) frequent.
// The subscriber of bench/sdk.ts: EDDY_BENCH_SUBSCRIBER_NODE_ARGS="--import $PWD/bench/alloc-sampler.mjs".
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.ALLOC_SAMPLER_LOG ?? `/tmp/alloc-${process.pid}.json`;
const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.ALLOC_SAMPLER_PROMOTED !== '1' });
let written = false;
const write = () => {
  if (written) return;
  written = true;
  // Synchronous on the main thread's own session, so it also works from an 'exit' listener.
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) console.error(`alloc-sampler: ${err.message}`);
    else writeFileSync(out, JSON.stringify(r.profile));
  });
};
process.once('SIGTERM', write);
// A process that ends by itself (the SDK bench's subscriber, say) writes the profile on its way out.
process.once('exit', write);
