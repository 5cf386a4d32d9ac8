// Ack ids: opaque to clients, `<subscription>:<partition>:<offset>:<attempt>` inside. The attempt
// makes an ack id single-use per delivery: once a message is redelivered, older ack ids no longer
// match it. Parsing is strict and bounded; a malformed id is a typed error, never a crash.

import { EddyError } from '../../errors.ts';
import { subscriptionLimits } from './limits.ts';

export interface AckRef {
  partition: number;
  offset: number;
  attempt: number;
}

export function formatAckId(subscription: string, ref: AckRef): string {
  return `${subscription}:${ref.partition}:${ref.offset}:${ref.attempt}`;
}

const ACK_ID = /^([a-zA-Z0-9._-]+):(\d{1,4}):(\d{1,16}):(\d{1,6})$/;

/** Parses one ack id of `subscription`; anything else is 'subscription.unknown_ack_id'. */
export function parseAckId(subscription: string, raw: unknown): AckRef {
  const bad = (why: string) => new EddyError('subscription.unknown_ack_id', `ack id ${why}`, { subscription });
  if (typeof raw !== 'string') throw bad('must be a string');
  if (raw.length > subscriptionLimits.ackIdLengthMax) throw bad(`is longer than ${subscriptionLimits.ackIdLengthMax} characters`);
  const m = ACK_ID.exec(raw);
  if (!m) throw bad(`"${raw.slice(0, 60)}" is malformed`);
  if (m[1] !== subscription) throw bad(`"${raw.slice(0, 60)}" belongs to another subscription`);
  const ref = { partition: Number(m[2]), offset: Number(m[3]), attempt: Number(m[4]) };
  if (!Number.isSafeInteger(ref.offset) || ref.attempt < 1) throw bad(`"${raw.slice(0, 60)}" is malformed`);
  return ref;
}

/** Checks a client-supplied list of ack ids (count bound, each parsed). */
export function parseAckIds(subscription: string, raw: unknown): AckRef[] {
  if (!Array.isArray(raw)) throw new EddyError('request.invalid', 'ackIds must be an array of strings');
  if (raw.length > subscriptionLimits.ackIdsPerRequestMax) throw new EddyError('request.invalid', `at most ${subscriptionLimits.ackIdsPerRequestMax} ack ids per request`);
  return raw.map((id) => parseAckId(subscription, id));
}
