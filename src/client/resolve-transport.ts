// Turns the `transport` option of createEventBus into a Transport: 'memory', 'eddy://host:port'
// (or an http(s) URL), `{ embedded: { dataDir } }` (an in-process broker), 'kafka://host:port[,host:port]'
// or `{ kafka: { brokers } }` (any Kafka-protocol cluster through kafkajs), or a Transport instance.
// Transports the bus creates are owned, and closed, by the bus; an instance passed in is not.

import type { Clock } from '../log/clock.ts';
import { EddyHttpTransport, eddyUrl, startEmbeddedTransport } from './eddy-transport.ts';
import { KafkaTransport, kafkaBrokers, type KafkaTransportOptions } from './kafka-transport.ts';
import { MemoryTransport } from './memory-transport.ts';
import type { Transport } from './transport.ts';

export type TransportOption = 'memory' | `eddy://${string}` | `http://${string}` | `https://${string}` | `kafka://${string}`
  | { embedded: { dataDir: string } }
  | { kafka: Omit<KafkaTransportOptions, 'clock'> }
  | Transport;

export async function resolveTransport(t: TransportOption, clock: Clock | undefined): Promise<{ transport: Transport; owned: boolean }> {
  const c = clock ? { clock } : {};
  if (t === 'memory') return { transport: new MemoryTransport(c), owned: true };
  if (typeof t === 'string' && t.startsWith('kafka://')) return { transport: new KafkaTransport({ brokers: kafkaBrokers(t), ...c }), owned: true };
  if (typeof t === 'string') return { transport: new EddyHttpTransport({ url: eddyUrl(t), ...c }), owned: true };
  if ('embedded' in t) return { transport: await startEmbeddedTransport({ dataDir: t.embedded.dataDir, ...c }), owned: true };
  if ('kafka' in t) return { transport: new KafkaTransport({ ...t.kafka, ...c }), owned: true };
  return { transport: t, owned: false };
}
