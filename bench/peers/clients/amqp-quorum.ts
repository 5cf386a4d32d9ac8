// RabbitMQ quorum queues over AMQP 0-9-1 (amqplib): a fanout exchange and one quorum queue per
// group; publisher confirms come after Ra's WAL fsync. See amqp.ts.

import { amqpConnect } from './amqp.ts';

export const connect = amqpConnect('quorum');
