// One client process of `npm run bench:peers`: connects with the named client module, runs one
// workload and prints its figures as one JSON line. Usage (by the harness only):
//   node --import tsx bench/peers/client.ts <client module> <connection JSON> <workload JSON>

import type { Connect } from './types.ts';
import { run, type Workload } from './workloads.ts';

const [modulePath, connectionJson, workloadJson] = process.argv.slice(2);
if (!modulePath || !connectionJson || !workloadJson) throw new Error('usage: client.ts <module> <connection> <workload>');
const { connect } = (await import(new URL(`./clients/${modulePath}.ts`, import.meta.url).href)) as { connect: Connect };
const client = await connect(JSON.parse(connectionJson) as Record<string, string | number | boolean>);
try {
  const result = await run(client, JSON.parse(workloadJson) as Workload);
  process.stdout.write(`${JSON.stringify({ library: client.library, ...result })}\n`);
} finally {
  await client.close();
}
// A client library that keeps handles open (timers, sockets) must not keep the process alive.
process.exit(0);
