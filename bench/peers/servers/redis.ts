// Redis Streams with the append-only file: `appendfsync always` (fsync before the reply) or
// `everysec` (fsync once a second, not before the ack). RDB snapshots off.

import { freePort, spawnServer, versionOf, waitForPort } from '../proc.ts';
import type { ServerSpec } from '../types.ts';

export function redis(fsync: 'always' | 'everysec'): ServerSpec {
  const version = () => versionOf('redis-server', ['--version'], /v=(\S+)/);
  return {
    id: `redis-${fsync}`,
    describe: `Redis ${version()} Streams, AOF appendfsync ${fsync}`,
    packages: ['redis-server'],
    version,
    async start(dataDir) {
      const port = await freePort();
      const server = spawnServer('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '',
        '--appendonly', 'yes', '--appendfsync', fsync, '--daemonize', 'no', '--protected-mode', 'no',
      ]);
      await waitForPort(port, 30_000, server.child, server.output);
      return { pid: server.child.pid!, connection: { port }, stop: () => server.stop() };
    },
  };
}
