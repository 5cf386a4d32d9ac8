// Places N orders: one OrderPlaced event each on `order-events`, keyed by order id.
import { Kafka, logLevel } from 'kafkajs';

const count = Number(process.argv[2] ?? 5);
const kafka = new Kafka({ clientId: 'order-service', brokers: (process.env.BROKERS ?? 'localhost:9092').split(','), logLevel: logLevel.WARN });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: 'order-events', numPartitions: 3 }] }); // false when it exists
await admin.disconnect();
for (let i = 1; i <= count; i++) {
  const order = { orderId: `order-${i}`, userId: `user-${i % 3}`, total: 10 * i, currency: 'EUR' };
  await producer.send({
    topic: 'order-events',
    messages: [{ key: order.orderId, value: JSON.stringify(order), headers: { type: 'OrderPlaced' } }],
  });
  console.log(`placed ${order.orderId}`);
}
await producer.disconnect();
