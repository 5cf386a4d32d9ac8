// The composition root: a Broker plus its front ends (HTTP, and the Kafka listener when asked for),
// started and stopped together. `eddy start` and the `eddy/broker` export both use startBroker.

import { Broker, type BrokerOptions } from './broker/broker.ts';
import { SubscriptionManager } from './broker/subscriptions/manager.ts';
import { DelayedDelivery } from './broker/delayed.ts';
import { buildHttpServer } from './http/server.ts';
import { startKafkaServer, type KafkaServer } from './kafka/server.ts';
import type { FsyncPolicy } from './log/partition-log.ts';

export interface StartBrokerOptions {
  dataDir: string;
  host?: string;
  http?: { port?: number; host?: string };
  /** The Kafka listener; none unless given (eddy start always gives it, default port 9092). */
  kafka?: { port?: number; host?: string; advertisedHost?: string; advertisedPort?: number; frameTimeoutMs?: number; idleTimeoutMs?: number; onProtocolError?: (reason: string, remote: string) => void };
  fsync?: FsyncPolicy;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  freeBytesFloor?: number;
  onLogEvent?: BrokerOptions['onLogEvent'];
}

export interface RunningBroker {
  broker: Broker;
  subscriptions: SubscriptionManager;
  /** Durable delayed delivery (publish with delayMs / deliverAt). */
  delayed: DelayedDelivery;
  http: { host: string; port: number; url: string };
  /** Present when the Kafka listener runs: `bootstrap` is what clients put in `brokers`. */
  kafka: { host: string; port: number; bootstrap: string; connections(): number; bufferedBytes(): number } | null;
  /** Clean shutdown: stop accepting, drain requests, flush and close the log. */
  close(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions): Promise<RunningBroker> {
  const broker = await Broker.open({
    dataDir: options.dataDir,
    ...(options.fsync ? { fsync: options.fsync } : {}),
    ...(options.autoCreateTopics !== undefined ? { autoCreateTopics: options.autoCreateTopics } : {}),
    ...(options.defaultPartitions !== undefined ? { defaultPartitions: options.defaultPartitions } : {}),
    ...(options.freeBytesFloor !== undefined ? { freeBytesFloor: options.freeBytesFloor } : {}),
    ...(options.onLogEvent ? { onLogEvent: options.onLogEvent } : {}),
  });
  const subscriptions = await SubscriptionManager.open(broker).catch(async (e: unknown) => {
    await broker.close();
    throw e;
  });
  const delayed = await DelayedDelivery.open(broker).catch(async (e: unknown) => {
    await subscriptions.close();
    await broker.close();
    throw e;
  });
  const { app } = buildHttpServer({ broker, subscriptions, delayed });
  const host = options.http?.host ?? options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.http?.port ?? 8092, host });
  } catch (e) {
    await delayed.close();
    await subscriptions.close();
    await broker.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.http?.port ?? 8092);
  let kafka: KafkaServer | null = null;
  if (options.kafka) {
    try {
      kafka = await startKafkaServer({
        broker,
        host: options.kafka.host ?? options.host ?? '127.0.0.1',
        port: options.kafka.port ?? 9092,
        ...(options.kafka.advertisedHost ? { advertisedHost: options.kafka.advertisedHost } : {}),
        ...(options.kafka.advertisedPort ? { advertisedPort: options.kafka.advertisedPort } : {}),
        ...(options.kafka.frameTimeoutMs !== undefined ? { frameTimeoutMs: options.kafka.frameTimeoutMs } : {}),
        ...(options.kafka.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.kafka.idleTimeoutMs } : {}),
        ...(options.kafka.onProtocolError ? { onProtocolError: options.kafka.onProtocolError } : {}),
      });
    } catch (e) {
      await app.close();
      await delayed.close();
      await subscriptions.close();
      await broker.close();
      throw e;
    }
  }
  let closing: Promise<void> | null = null;
  return {
    broker,
    subscriptions,
    delayed,
    http: { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` },
    kafka: kafka ? { host: kafka.host, port: kafka.port, bootstrap: `localhost:${kafka.port}`, connections: kafka.connections, bufferedBytes: kafka.bufferedBytes } : null,
    close() {
      closing ??= (async () => {
        await kafka?.close();
        app.server.closeAllConnections?.();
        await app.close();
        await delayed.close();
        await subscriptions.close();
        await broker.close();
      })();
      return closing;
    },
  };
}
