// The event contract shared by every service of the shop (in a real system: a small package the
// services depend on). One declaration per event: name, version, schema, ordering key.
import { z } from 'zod';
import { defineEvent } from '../../src/client/index.ts'; // in your app: from 'eddy'

const orderPlaced = z.object({
  orderId: z.string(),
  customerId: z.string(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive(), price: z.number() })).min(1),
  total: z.number(),
  currency: z.string().length(3),
});
export type Order = z.infer<typeof orderPlaced>;

export const OrderPlaced = defineEvent('OrderPlaced', {
  version: 1,
  schema: orderPlaced,
  key: (o) => o.orderId, // all events of one order stay in order
});

/**
 * The same OrderPlaced event on a second topic that only email-service reads: where the re-drive
 * tool puts email-service's dead letters back, so the other groups (which handled the order fine)
 * do not see it twice.
 */
export const OrderPlacedRedrive = defineEvent('OrderPlaced', {
  version: 1,
  schema: orderPlaced,
  key: (o) => o.orderId,
  topic: 'OrderPlaced.redrive.email-service',
});
