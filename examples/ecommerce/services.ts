// The shop's services. Each one creates its own bus — its own connection to the broker, as a
// separate process would — and subscribes in its own consumer group, so every group gets every
// OrderPlaced (fan-out) and keeps its own retries and dead letters.
import { createEventBus, type EventBus } from '../../src/client/index.ts'; // in your app: from 'eddy'
import { OrderPlaced, OrderPlacedRedrive, type Order } from './events.ts';

export type Transport = `eddy://${string}`;
const log = (service: string, line: string) => console.log(`[${service}] ${line}`);
/** Short backoffs so the example runs in seconds; production would use e.g. 1 s, x2, up to 1 min. */
const retry = { attempts: 3, backoff: { initialMs: 100, multiplier: 2, maxMs: 1_000, jitter: false } };
const pollWaitMs = 200;

export interface Service {
  bus: EventBus;
  ready: Promise<void>;
}

export async function orderService(transport: Transport) {
  const bus = await createEventBus({ source: 'order-service', transport });
  return {
    bus,
    async placeOrder(order: Order): Promise<string> {
      const { id } = await bus.publish(OrderPlaced, order); // validated against the schema, keyed by orderId
      log('order-service', `placed ${order.orderId}: ${order.items.length} item(s), ${order.total.toFixed(2)} ${order.currency} (event ${id})`);
      return id;
    },
  };
}

export async function inventoryService(transport: Transport) {
  const bus = await createEventBus({ source: 'inventory-service', transport });
  const stock = new Map<string, number>([['sku-mug', 10], ['sku-tee', 5], ['sku-cap', 3]]);
  const reserved: string[] = [];
  const sub = bus.subscribe(
    OrderPlaced,
    (order) => {
      for (const it of order.items) stock.set(it.sku, (stock.get(it.sku) ?? 0) - it.qty);
      reserved.push(order.orderId);
      log('inventory-service', `reserved ${order.items.map((i) => `${i.qty}x ${i.sku}`).join(', ')} for ${order.orderId}`);
    },
    { group: 'inventory-service', retry, pollWaitMs, idempotency: true },
  );
  return { bus, ready: sub.ready, reserved, stock };
}

export async function shippingService(transport: Transport) {
  const bus = await createEventBus({ source: 'shipping-service', transport });
  const shipments: string[] = [];
  const sub = bus.subscribe(
    OrderPlaced,
    (order) => {
      shipments.push(order.orderId);
      log('shipping-service', `created shipment SHP-${order.orderId.slice(-4)} for ${order.orderId}`);
    },
    { group: 'shipping-service', retry, pollWaitMs, idempotency: true },
  );
  return { bus, ready: sub.ready, shipments };
}

export async function analyticsService(transport: Transport) {
  const bus = await createEventBus({ source: 'analytics-service', transport });
  const seen: string[] = [];
  let revenue = 0;
  const sub = bus.subscribe(
    OrderPlaced,
    (order) => {
      seen.push(order.orderId);
      revenue += order.total;
      log('analytics-service', `recorded ${order.orderId}; revenue so far ${revenue.toFixed(2)} ${order.currency}`);
    },
    { group: 'analytics-service', retry, pollWaitMs, idempotency: true },
  );
  return { bus, ready: sub.ready, seen, revenue: () => revenue };
}

/** A mail relay that is briefly unavailable once for `flakyOrderId` (a transient failure). */
class MailRelay {
  readonly #flaky = new Set<string>();
  constructor(flakyOrderId: string) {
    this.#flaky.add(flakyOrderId);
  }
  send(orderId: string, to: string): void {
    if (this.#flaky.delete(orderId)) throw new Error('SMTP 421 service not available, try again later');
    if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(to)) throw new Error(`SMTP 550 mailbox unavailable: invalid address "${to}"`);
  }
}

export async function emailService(transport: Transport, options: { customers: Map<string, string>; flakyOrderId: string }) {
  const bus = await createEventBus({ source: 'email-service', transport });
  const relay = new MailRelay(options.flakyOrderId);
  const sent: { orderId: string; attempt: number; redriven: boolean }[] = [];
  const firstAttemptMs = new Map<string, number>();
  // One subscription over two topics: OrderPlaced, and the re-drive topic only this group reads.
  const sub = bus.subscribe(
    [OrderPlaced, OrderPlacedRedrive],
    (order, ctx) => {
      const redriven = ctx.causationId !== undefined && ctx.source === 'ops-redrive';
      if (ctx.attempt === 1) firstAttemptMs.set(ctx.id, Date.now());
      const after = Date.now() - (firstAttemptMs.get(ctx.id) ?? Date.now());
      const to = options.customers.get(order.customerId) ?? '';
      try {
        relay.send(order.orderId, to);
      } catch (e) {
        const last = ctx.attempt >= retry.attempts;
        log('email-service', `${order.orderId} attempt ${ctx.attempt}/${retry.attempts} failed (+${after} ms): ${(e as Error).message}${last ? ' -> dead letter' : ' -> retry after backoff'}`);
        throw e; // the SDK nacks with the backoff; after the last attempt the broker dead-letters it
      }
      sent.push({ orderId: order.orderId, attempt: ctx.attempt, redriven });
      log('email-service', `sent confirmation for ${order.orderId} to ${to} on attempt ${ctx.attempt}${ctx.attempt > 1 ? ` (+${after} ms)` : ''}${redriven ? ` (re-driven, caused by dead letter ${ctx.causationId})` : ''}`);
    },
    { group: 'email-service', retry, deadLetter: true, pollWaitMs, idempotency: true },
  );
  return { bus, ready: sub.ready, sent };
}
