// Maps what the broker throws to the Kafka error code a client understands (the table in
// src/errors.ts carries the Kafka code of every Eddy code).

import { EddyError } from '../errors.ts';
import { KafkaError } from './api.ts';

export function kafkaErrorCode(e: unknown): number {
  if (e instanceof EddyError) return e.kafkaErrorCode;
  return KafkaError.UNKNOWN_SERVER_ERROR;
}
