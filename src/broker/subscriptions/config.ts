// Subscription configuration: the create options a client sends, validated field by field against
// subscriptionLimits into a complete SubscriptionConfig (defaults filled in, Pub/Sub's vocabulary).
// Invariant: a stored config always passed validateCreate, so the runtime never re-checks it.

import { EddyError } from '../../errors.ts';
import { limits } from '../../limits.ts';
import { isInternalTopic, validateTopicName } from '../topic-config.ts';
import { subscriptionLimits as L } from './limits.ts';

export interface BackoffPolicy {
  initialMs: number;
  multiplier: number;
  maxMs: number;
}

export const StartPositions = { earliest: 'earliest', latest: 'latest' } as const;
export type StartPosition = (typeof StartPositions)[keyof typeof StartPositions];

export interface CreateSubscriptionOptions {
  name: string;
  topic: string;
  ackDeadlineMs?: number;
  /** 0 = unlimited (no dead-lettering). */
  maxDeliveryAttempts?: number;
  /** Default `<topic>.dlq` when maxDeliveryAttempts > 0. */
  deadLetterTopic?: string;
  backoff?: Partial<BackoffPolicy>;
  ordered?: boolean;
  /** Where delivery starts on each partition existing now: 'earliest' (default) or 'latest'. */
  from?: StartPosition;
}

export interface SubscriptionConfig {
  name: string;
  topic: string;
  ackDeadlineMs: number;
  maxDeliveryAttempts: number;
  deadLetterTopic: string | null;
  backoff: BackoffPolicy;
  ordered: boolean;
  from: StartPosition;
  createdMs: number;
}

export const backoffDefaults: BackoffPolicy = { initialMs: 1000, multiplier: 2, maxMs: 60_000 };

function invalid(message: string, field: string): EddyError {
  return new EddyError('subscription.invalid', message, { field });
}

function int(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw invalid(`${field} must be an integer in [${min}, ${max}]`, field);
  return v;
}

/** Subscription names follow the topic-name rule; "__" is reserved, as for topics. */
export function validateSubscriptionName(name: unknown): asserts name is string {
  try {
    validateTopicName(name);
  } catch (e) {
    throw invalid(e instanceof Error ? e.message.replace(/^topic name/, 'subscription name') : 'invalid subscription name', 'name');
  }
  if (isInternalTopic(name)) throw invalid('subscription names starting with "__" are reserved', 'name');
}

/** Initial delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed. */
export function backoffMs(policy: BackoffPolicy, attempt: number): number {
  const raw = policy.initialMs * policy.multiplier ** Math.max(0, attempt - 1);
  return Math.min(policy.maxMs, Math.round(raw));
}

export function validateCreate(o: unknown, nowMs: number): SubscriptionConfig {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new EddyError('request.invalid', 'subscription must be an object {name, topic, ...}');
  const r = o as Record<string, unknown>;
  validateSubscriptionName(r.name);
  if (typeof r.topic !== 'string') throw invalid('topic must be a string', 'topic');
  validateTopicName(r.topic);
  const ackDeadlineMs = int(r.ackDeadlineMs, 'ackDeadlineMs', L.ackDeadlineMsMin, L.ackDeadlineMsMax, 30_000);
  const maxDeliveryAttempts = int(r.maxDeliveryAttempts, 'maxDeliveryAttempts', 0, L.maxDeliveryAttemptsMax, 5);
  let deadLetterTopic: string | null = null;
  if (maxDeliveryAttempts > 0) {
    deadLetterTopic = r.deadLetterTopic === undefined ? `${r.topic}.dlq` : (r.deadLetterTopic as string);
    if (typeof deadLetterTopic !== 'string') throw invalid('deadLetterTopic must be a string', 'deadLetterTopic');
    if (deadLetterTopic.length > limits.topicNameLengthMax) throw invalid(`deadLetterTopic is longer than ${limits.topicNameLengthMax} characters`, 'deadLetterTopic');
    validateTopicName(deadLetterTopic);
    if (isInternalTopic(deadLetterTopic)) throw invalid('deadLetterTopic cannot be an internal topic', 'deadLetterTopic');
    if (deadLetterTopic === r.topic) throw invalid('deadLetterTopic must differ from topic', 'deadLetterTopic');
  } else if (r.deadLetterTopic !== undefined) throw invalid('deadLetterTopic needs maxDeliveryAttempts > 0', 'deadLetterTopic');
  const b = r.backoff ?? {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalid('backoff must be an object {initialMs, multiplier, maxMs}', 'backoff');
  const br = b as Record<string, unknown>;
  const initialMs = int(br.initialMs, 'backoff.initialMs', 0, L.backoffMsMax, backoffDefaults.initialMs);
  const maxMs = int(br.maxMs, 'backoff.maxMs', 0, L.backoffMsMax, Math.max(backoffDefaults.maxMs, initialMs));
  if (maxMs < initialMs) throw invalid('backoff.maxMs must be >= backoff.initialMs', 'backoff.maxMs');
  const multiplier = br.multiplier ?? backoffDefaults.multiplier;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1 || multiplier > L.backoffMultiplierMax) {
    throw invalid(`backoff.multiplier must be a number in [1, ${L.backoffMultiplierMax}]`, 'backoff.multiplier');
  }
  if (r.ordered !== undefined && typeof r.ordered !== 'boolean') throw invalid('ordered must be a boolean', 'ordered');
  const from = r.from ?? StartPositions.earliest;
  if (from !== StartPositions.earliest && from !== StartPositions.latest) throw invalid('from must be "earliest" or "latest"', 'from');
  return {
    name: r.name,
    topic: r.topic,
    ackDeadlineMs,
    maxDeliveryAttempts,
    deadLetterTopic,
    backoff: { initialMs, multiplier, maxMs },
    ordered: r.ordered === true,
    from,
    createdMs: nowMs,
  };
}
