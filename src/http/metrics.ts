// Prometheus metrics of one broker instance (its own prom-client Registry, so several brokers in one
// process — tests, embedding — never collide). Partition gauges are computed at scrape time.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Broker } from '../broker/broker.ts';
import type { SubscriptionManager } from '../broker/subscriptions/manager.ts';
import { formatFsyncPolicy } from '../broker/topic-config.ts';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  requestSeconds: Histogram<'route'>;
  publishedEvents: Counter<'topic'>;
  sseClients: Gauge;
  wsConnections: Gauge;
}

export function createMetrics(broker: Broker, subscriptions?: SubscriptionManager): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eddy_process_' });
  const requests = new Counter({ name: 'eddy_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const requestSeconds = new Histogram({
    name: 'eddy_http_request_seconds',
    help: 'HTTP request latency',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const publishedEvents = new Counter({ name: 'eddy_published_events_total', help: 'Events accepted over HTTP and WebSocket publishes', labelNames: ['topic'] as const, registers: [registry] });
  const sseClients = new Gauge({ name: 'eddy_sse_clients', help: 'Open Server-Sent Events streams', registers: [registry] });
  const wsConnections = new Gauge({ name: 'eddy_ws_connections', help: 'Open WebSocket connections (GET /v1/ws)', registers: [registry] });
  const syncSeconds = new Histogram({
    name: 'eddy_log_sync_seconds',
    help: 'Duration of each trip to the disk that makes appends durable (an O_DSYNC segment write under fsync=always, an fdatasync otherwise)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  broker.logs.dirState.onSync = (seconds) => syncSeconds.observe(seconds);
  new Gauge({
    name: 'eddy_fsync_policy',
    help: 'The broker fsync policy in force (label), 1',
    labelNames: ['policy'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ policy: formatFsyncPolicy(broker.fsync) }, 1);
    },
  });
  new Gauge({
    name: 'eddy_ready',
    help: '1 when the broker accepts writes (data directory healthy)',
    registers: [registry],
    collect() {
      this.set(broker.health().ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'eddy_partition_high_watermark',
    help: 'High watermark (next offset to be read) per partition',
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const t of broker.listTopics()) for (const p of t.partitions) this.set({ topic: t.name, partition: String(p.partition) }, p.latestOffset);
    },
  });
  new Gauge({
    name: 'eddy_partition_bytes',
    help: 'Bytes on disk per partition',
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const t of broker.listTopics()) for (const p of t.partitions) this.set({ topic: t.name, partition: String(p.partition) }, p.bytes);
    },
  });
  if (subscriptions) {
    const windows = subscriptions.windows;
    new Gauge({
      name: 'eddy_subscription_window_bytes',
      help: `Bytes of records held for delivery by every subscription's windows (budget ${windows.totalBytes}, shared by the windows)`,
      registers: [registry],
      collect() {
        this.set(windows.heldBytes);
      },
    });
  }
  return { registry, requests, requestSeconds, publishedEvents, sseClients, wsConnections };
}
