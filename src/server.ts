// The composition root: a Broker plus its front ends (HTTP today, Kafka next), started and stopped
// together. `eddy start` and the `eddy/broker` export both use startBroker.

import { Broker, type BrokerOptions } from './broker/broker.ts';
import { SubscriptionManager } from './broker/subscriptions/manager.ts';
import { buildHttpServer } from './http/server.ts';
import type { FsyncPolicy } from './log/partition-log.ts';

export interface StartBrokerOptions {
  dataDir: string;
  host?: string;
  http?: { port?: number; host?: string };
  fsync?: FsyncPolicy;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  freeBytesFloor?: number;
  onLogEvent?: BrokerOptions['onLogEvent'];
}

export interface RunningBroker {
  broker: Broker;
  subscriptions: SubscriptionManager;
  http: { host: string; port: number; url: string };
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
  const { app } = buildHttpServer({ broker, subscriptions });
  const host = options.http?.host ?? options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.http?.port ?? 8092, host });
  } catch (e) {
    await subscriptions.close();
    await broker.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.http?.port ?? 8092);
  let closing: Promise<void> | null = null;
  return {
    broker,
    subscriptions,
    http: { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` },
    close() {
      closing ??= (async () => {
        app.server.closeAllConnections?.();
        await app.close();
        await subscriptions.close();
        await broker.close();
      })();
      return closing;
    },
  };
}
