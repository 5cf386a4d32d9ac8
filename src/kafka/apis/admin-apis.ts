// The admin APIs of the Kafka listener, registered in src/kafka/registry.ts.

import type { AnyKafkaApi } from '../api.ts';

export const adminApis: AnyKafkaApi[] = [];
