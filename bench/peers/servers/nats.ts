// NATS JetStream, one server, file store, defaults otherwise. Durability of the PubAck with the
// defaults of nats-server 2.9.x (read in server/stream.go and server/filestore.go at v2.9.10): a
// stream's file store is created with AsyncFlush=false, so each message is written to the block
// file (a write() into the OS page cache) before StoreMsg returns and the PubAck is sent, but it is
// fsynced only by a timer, every 2 minutes per stream (SyncInterval). A PubAck therefore survives
// the server process crashing, not the machine losing power. 2.9.x has no setting for it: the
// `jetstream { sync_interval: always }` option (fsync before every ack) arrived in 2.10.0, and
// 2.9.10 rejects it as an unknown field. Newer servers keep the same default; we leave it so.

import { freePort, spawnServer, versionOf, waitForPort } from '../proc.ts';
import type { ServerSpec } from '../types.ts';

export function nats(): ServerSpec {
  const version = () => versionOf('nats-server', ['--version'], /v(\d+\.\d+\.\d+\S*)/);
  return {
    id: 'nats',
    describe: `NATS ${version()} JetStream, file store, fsync every 2 min (default)`,
    packages: ['nats-server'],
    version,
    async start(dataDir) {
      const port = await freePort();
      // Default limits suffice: max_payload 1 MiB, JetStream memory 75% of RAM, file store sized
      // from the disk. `-sd` is the store directory (JetStream keeps `<sd>/jetstream/`).
      const server = spawnServer('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir]);
      await waitForPort(port, 30_000, server.child, server.output);
      return { pid: server.child.pid!, connection: { port }, stop: () => server.stop() };
    },
  };
}
