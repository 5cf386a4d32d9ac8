// The whole shop in one process against a real Eddy broker (embedded, in a temporary directory):
// order-service places three orders; inventory, shipping, analytics and email each get every order
// in their own consumer group. email-service fails once for order-1002 (retried after a backoff, then
// sent) and for good for order-1003 (a bad address: dead-lettered with the error after 3 attempts).
// Support fixes the address, the operator re-drives the dead letter, and the email goes out.
//
//   node --import tsx examples/ecommerce/run.ts
import { startLocalBroker, until } from '../shared/local-broker.ts';
import { readDeadLetters, redriveEmailDeadLetters } from './redrive.ts';
import { analyticsService, emailService, inventoryService, orderService, shippingService } from './services.ts';
import type { Order } from './events.ts';

const { broker, transport, removeData } = await startLocalBroker('ecommerce');

// Customer directory email-service looks addresses up in; u-3's address has a typo.
const customers = new Map([['u-1', 'ada@example.com'], ['u-2', 'alan@example.com'], ['u-3', 'grace@example']]);

const orders = await orderService(transport);
const inventory = await inventoryService(transport);
const shipping = await shippingService(transport);
const analytics = await analyticsService(transport);
const email = await emailService(transport, { customers, flakyOrderId: 'order-1002' });
const services = [orders, inventory, shipping, analytics, email];
let exitCode = 1;
try {
  await Promise.all([inventory.ready, shipping.ready, analytics.ready, email.ready]);

  const placed: Order[] = [
    { orderId: 'order-1001', customerId: 'u-1', items: [{ sku: 'sku-mug', qty: 2, price: 12.5 }], total: 25, currency: 'EUR' },
    { orderId: 'order-1002', customerId: 'u-2', items: [{ sku: 'sku-tee', qty: 1, price: 20 }, { sku: 'sku-cap', qty: 1, price: 15 }], total: 35, currency: 'EUR' },
    { orderId: 'order-1003', customerId: 'u-3', items: [{ sku: 'sku-cap', qty: 2, price: 15 }], total: 30, currency: 'EUR' },
  ];
  console.log('\n== 1. order-service places 3 orders; 4 groups each get all of them (fan-out)');
  for (const o of placed) await orders.placeOrder(o);

  await until('every group to handle its orders, and the dead letter', async () =>
    inventory.reserved.length === 3 && shipping.shipments.length === 3 && analytics.seen.length === 3 && email.sent.length === 2 && (await readDeadLetters(broker.http.url, 'OrderPlaced')).length === 1,
  );

  console.log('\n== 2. the dead-letter topic OrderPlaced.dlq, read over HTTP');
  const letters = await readDeadLetters(broker.http.url, 'OrderPlaced');
  for (const d of letters) {
    const order = d.envelope.data as Order;
    console.log(`[ops] dead letter: ${order.orderId} (event ${d.envelope.id}) from ${d.subscription} after ${d.attempts} attempts: ${d.reason}`);
  }

  console.log('\n== 3. support fixes the address, the operator re-drives the dead letter');
  customers.set('u-3', 'grace@example.com');
  console.log('[support] fixed u-3 address: grace@example -> grace@example.com');
  await redriveEmailDeadLetters(transport, letters);
  await until('the re-driven email', () => email.sent.some((s) => s.orderId === 'order-1003'));

  const stats = async (name: string) => ((await (await fetch(`${broker.http.url}/v1/subscriptions/${name}`)).json()) as { stats: { backlog: number; inFlight: number; deadLettered: number } }).stats;
  await until('every subscription to be drained', async () => {
    for (const s of ['inventory-service.OrderPlaced', 'shipping-service.OrderPlaced', 'analytics-service.OrderPlaced', 'email-service.OrderPlaced', 'email-service.OrderPlaced.redrive.email-service']) {
      const st = await stats(s);
      if (st.backlog + st.inFlight > 0) return false;
    }
    return true;
  });

  console.log('\n== summary');
  const sent = [...email.sent].sort((a, b) => a.orderId.localeCompare(b.orderId)).map((s) => `${s.orderId}${s.redriven ? ' (re-driven)' : s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`);
  console.log(`inventory-service: reserved ${inventory.reserved.length} orders (${[...inventory.reserved].sort().join(', ')}); sku-cap stock left ${inventory.stock.get('sku-cap')}`);
  console.log(`shipping-service: ${shipping.shipments.length} shipments`);
  console.log(`analytics-service: ${analytics.seen.length} orders, revenue ${analytics.revenue().toFixed(2)} EUR`);
  console.log(`email-service: ${email.sent.length} confirmations sent: ${sent.join(', ')}`);
  console.log(`dead letters: ${letters.length} (email-service.OrderPlaced dead-lettered ${(await stats('email-service.OrderPlaced')).deadLettered})`);

  const ok =
    inventory.reserved.length === 3 && shipping.shipments.length === 3 && analytics.seen.length === 3 && email.sent.length === 3 && letters.length === 1 &&
    email.sent.find((s) => s.orderId === 'order-1002')?.attempt === 2 && email.sent.find((s) => s.orderId === 'order-1003')?.redriven === true;
  console.log(ok ? 'ecommerce example: OK' : 'ecommerce example: UNEXPECTED RESULT');
  exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(e);
} finally {
  await Promise.all(services.map((s) => s.bus.close())); // drains running handlers
  await broker.close();
  await removeData();
}
process.exitCode = exitCode;
