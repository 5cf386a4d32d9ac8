// RabbitMQ stream queues over AMQP 0-9-1 (amqplib): one stream queue, each group an independent
// consumer from offset `first`; publisher confirms come after the write, without fsync. See amqp.ts.

import { amqpConnect } from './amqp.ts';

export const connect = amqpConnect('stream');
