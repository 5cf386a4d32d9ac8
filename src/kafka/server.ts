// The Kafka listener: a TCP server (127.0.0.1 and, when the host is loopback, ::1 on the same port,
// since librdkafka may resolve "localhost" to ::1) whose connections speak the Kafka protocol to the
// shared Broker. Metadata advertises this listener as the single broker and controller.

import { createServer, type Server } from 'node:net';
import type { Broker } from '../broker/broker.ts';
import { repeatTimer } from '../log/clock.ts';
import { ReadBufferPool } from '../log/read-pool.ts';
import { KafkaConnection } from './connection.ts';
import { kafkaLimits } from './protocol/limits.ts';
import { kafkaApis } from './registry.ts';

export interface KafkaServerOptions {
  broker: Broker;
  host?: string;
  port?: number;
  /** Host name put in Metadata; default "localhost" on loopback, else the host. */
  advertisedHost?: string;
  /** Port put in Metadata; default the listening port (set it when a proxy or a port mapping is in front). */
  advertisedPort?: number;
  onProtocolError?: (reason: string, remote: string) => void;
  /** Overrides kafkaLimits.frameTimeoutMs (slow-loris guard), e.g. short in tests. */
  frameTimeoutMs?: number;
  /** Overrides kafkaLimits.idleTimeoutMs. */
  idleTimeoutMs?: number;
}

export interface KafkaServer {
  host: string;
  port: number;
  connections(): number;
  /** Request bytes received and not yet decoded, over every connection. */
  bufferedBytes(): number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startKafkaServer(options: KafkaServerOptions): Promise<KafkaServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = host === '127.0.0.1' || host === 'localhost';
  const open = new Set<KafkaConnection>();
  const advertised = { nodeId: 0, host: options.advertisedHost ?? (loopback ? 'localhost' : host), port: 0 };
  const apis = new Map(kafkaApis.map((a) => [a.key, a]));
  const readPool = new ReadBufferPool();
  // Every 5 s of the broker's clock: a pool nobody used since the last look is emptied (consumers gone).
  const trimTimer = repeatTimer(options.broker.clock, 5000, () => readPool.trimIfIdle());
  const onConnection = (socket: import('node:net').Socket) => {
    if (open.size >= kafkaLimits.connectionsMax) {
      socket.destroy();
      return;
    }
    const c = new KafkaConnection(socket, {
      broker: options.broker,
      apis,
      advertised,
      readPool,
      onClose: () => open.delete(c),
      onProtocolError: (reason) => options.onProtocolError?.(reason, `${socket.remoteAddress}:${socket.remotePort}`),
      ...(options.frameTimeoutMs !== undefined ? { frameTimeoutMs: options.frameTimeoutMs } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    });
    open.add(c);
  };
  const servers: Server[] = [createServer(onConnection)];
  await listen(servers[0]!, options.port ?? 9092, loopback ? '127.0.0.1' : host);
  const addr = servers[0]!.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.port ?? 9092);
  advertised.port = options.advertisedPort ?? port;
  if (loopback) {
    const v6 = createServer(onConnection);
    try {
      await listen(v6, port, '::1');
      servers.push(v6);
    } catch {
      /* no IPv6 loopback here: 127.0.0.1 alone */
    }
  }
  return {
    host: loopback ? '127.0.0.1' : host,
    port,
    connections: () => open.size,
    bufferedBytes: () => {
      let n = 0;
      for (const c of open) n += c.bufferedBytes;
      return n;
    },
    async close() {
      trimTimer.cancel();
      for (const c of open) c.close(null);
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
