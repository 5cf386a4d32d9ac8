// The inventory service: consumer group `inventory-service` on `order-events`; commits after each event.
import { Kafka, logLevel } from 'kafkajs';

const kafka = new Kafka({ clientId: 'inventory-service', brokers: (process.env.BROKERS ?? 'localhost:9092').split(','), logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: 'inventory-service' });
await consumer.connect();
await consumer.subscribe({ topic: 'order-events', fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    const order = JSON.parse(message.value.toString());
    console.log(`inventory: ${message.headers.type} ${order.orderId} (partition ${partition}, offset ${message.offset})`);
  },
});
const stop = async () => {
  await consumer.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
