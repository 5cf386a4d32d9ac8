// The data APIs of the Kafka listener, registered in src/kafka/registry.ts.

import type { AnyKafkaApi } from '../api.ts';
import { fetchApi } from './fetch/index.ts';
import { initProducerId } from './init-producer-id/index.ts';
import { listOffsets } from './list-offsets/index.ts';
import { produce } from './produce/index.ts';

export const dataApis: AnyKafkaApi[] = [produce, fetchApi, listOffsets, initProducerId];
