// The data APIs of the Kafka listener, registered in src/kafka/registry.ts.

import type { AnyKafkaApi } from '../api.ts';
import { fetchApi } from './fetch.ts';
import { initProducerId } from './init-producer-id.ts';
import { listOffsets } from './list-offsets.ts';
import { produce } from './produce/index.ts';

export const dataApis: AnyKafkaApi[] = [produce, fetchApi, listOffsets, initProducerId];
