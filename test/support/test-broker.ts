// A broker on ephemeral ports in a fresh temporary directory, closed (and the directory removed)
// when the test ends; `beforeClose` runs first (clients that must leave before the broker stops).

import type { TestContext } from 'node:test';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../src/server.ts';
import { tempDir } from '../../src/testing/tmp.ts';

export async function startTestBroker(t: TestContext, options: Partial<StartBrokerOptions> = {}, beforeClose?: () => unknown): Promise<RunningBroker> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0, ...options });
  // node:test runs after-hooks in registration order: one hook, in the order things must stop.
  t.after(async () => {
    await beforeClose?.();
    await b.close();
    await cleanup();
  });
  return b;
}
