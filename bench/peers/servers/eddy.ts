// Eddy: the `eddy start` binary (dist/, built by `npm run build`) with the given fsync policy.

import { readFileSync } from 'node:fs';
import { startChildBroker } from '../../../test/support/child-broker.ts';
import type { ServerSpec } from '../types.ts';

export function eddy(fsync: 'always' | 'interval:1000'): ServerSpec {
  const version = () => (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return {
    id: `eddy-${fsync === 'always' ? 'always' : 'interval'}`,
    describe: `Eddy ${version()}, fsync=${fsync}`,
    packages: [],
    version,
    async start(dataDir) {
      const broker = await startChildBroker(dataDir, ['--fsync', fsync]);
      return {
        pid: broker.child.pid!,
        connection: { http: broker.url, kafka: broker.kafkaBootstrap()! },
        stop: async () => {
          await broker.stop();
        },
      };
    },
  };
}
