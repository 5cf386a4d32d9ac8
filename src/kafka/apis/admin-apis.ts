// The admin APIs of the Kafka listener, registered in src/kafka/registry.ts (one directory per API in
// ./admin/: the handler in index.ts, each version's wire layout in v<N>.ts). Ranges are chosen so
// kafkajs 2.2.4 (CreateTopics v3, DeleteTopics v1, DescribeConfigs v2, AlterConfigs /
// CreatePartitions / DeleteRecords v1), librdkafka 2.0.2 (v4 / v1 / v1 / v0 / v0 / v1) and
// @platformatic/kafka (flexible versions only: CreateTopics v7, DeleteTopics v6, ...) each find a
// version.
//
// Transactions (AddPartitionsToTxn 24, AddOffsetsToTxn 25, EndTxn 26, TxnOffsetCommit 28) are not
// supported and deliberately NOT advertised: an API missing from ApiVersions is the clearest refusal
// both clients understand. kafkajs's transactional producer then throws
// KafkaJSServerDoesNotSupportApiKey at its first transactional request (lookup() in
// protocol/requests/index.js), and librdkafka fails the transactional call with
// RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE (its ApiVersion check before each request), instead of either
// client retrying an error code that can never succeed. Idempotent (non-transactional) producers are
// unaffected: they need only InitProducerId.

import type { AnyKafkaApi } from '../api.ts';
import { alterConfigs } from './admin/alter-configs/index.ts';
import { createPartitions } from './admin/create-partitions/index.ts';
import { createTopics } from './admin/create-topics/index.ts';
import { deleteRecords } from './admin/delete-records/index.ts';
import { deleteTopics } from './admin/delete-topics/index.ts';
import { describeConfigs } from './admin/describe-configs/index.ts';
import { incrementalAlterConfigs } from './admin/incremental-alter-configs/index.ts';

export const adminApis: AnyKafkaApi[] = [createTopics, deleteTopics, deleteRecords, describeConfigs, alterConfigs, createPartitions, incrementalAlterConfigs];
