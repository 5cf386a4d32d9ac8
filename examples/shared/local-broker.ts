// What every SDK example needs around its story: an embedded broker in a temporary data directory
// (port 0), the eddy:// transport address for its buses, removal of the directory at the end, and a
// bounded wait on a condition (the examples never sleep a fixed time to "let things happen").

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type RunningBroker } from '../../src/server.ts'; // in your app: from 'eddy/broker' (or `npx eddy start`)

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

export async function startLocalBroker(name: string): Promise<{ broker: RunningBroker; dataDir: string; transport: `eddy://${string}`; removeData(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), `eddy-${name}-`));
  const broker = await startBroker({ dataDir, http: { port: 0 } });
  console.log(`broker: ${broker.http.url} (data in ${dataDir})`);
  return { broker, dataDir, transport: `eddy://${broker.http.host}:${broker.http.port}`, removeData: () => rm(dataDir, { recursive: true, force: true }) };
}
