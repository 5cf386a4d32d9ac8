// One client process of `npm run bench:peers`: connects with one client module, runs one workload and
// prints its figures as one JSON line. The harness bundles this file with each client module
// (bundleClients in run.ts: esbuild, packages left to node_modules) and runs the bundle with plain node:
// under tsx's loader hooks (which see every module a client library loads) each of the ~200 client
// processes of a run took 0.5–1.3 s to start. Usage (by the harness only):
//   node bench/peers/.build/<client>.mjs <connection JSON> <workload JSON>

import type { Connect } from './types.ts';
import { run, type Workload } from './workloads.ts';

export async function runClient(connect: Connect): Promise<never> {
  const [connectionJson, workloadJson] = process.argv.slice(2);
  if (!connectionJson || !workloadJson) throw new Error('usage: <client>.mjs <connection> <workload>');
  const client = await connect(JSON.parse(connectionJson) as Record<string, string | number | boolean>);
  try {
    const result = await run(client, JSON.parse(workloadJson) as Workload);
    process.stdout.write(`${JSON.stringify({ library: client.library, ...result })}\n`);
  } finally {
    await client.close();
  }
  // A client library that keeps handles open (timers, sockets) must not keep the process alive.
  process.exit(0);
}
