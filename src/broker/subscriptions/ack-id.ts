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

/**
 * The digits of raw[from, to) as a number when there are 1 to `max` of them and nothing else; -1
 * otherwise. (\d in the pattern is ASCII digits only, as here.)
 */
function digits(raw: string, from: number, to: number, max: number): number {
  if (to <= from || to - from > max) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = raw.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * An ack id of `subscription` read without the pattern (the broker reads one per acked message):
 * `<subscription>:` then the three numbers; null when it is not exactly that, and the pattern then
 * says what is wrong.
 */
function fastAckId(subscription: string, raw: string): AckRef | null {
  const p = subscription.length;
  if (!raw.startsWith(subscription) || raw.charCodeAt(p) !== 58) return null;
  const c1 = raw.indexOf(':', p + 1);
  const c2 = c1 < 0 ? -1 : raw.indexOf(':', c1 + 1);
  if (c2 < 0) return null;
  const partition = digits(raw, p + 1, c1, 4);
  const offset = digits(raw, c1 + 1, c2, 16);
  const attempt = digits(raw, c2 + 1, raw.length, 6);
  if (partition < 0 || offset < 0 || attempt < 0) return null;
  return { partition, offset, attempt };
}

/** Parses one ack id of `subscription`; anything else is 'subscription.unknown_ack_id'. */
export function parseAckId(subscription: string, raw: unknown): AckRef {
  if (typeof raw === 'string' && raw.length <= subscriptionLimits.ackIdLengthMax) {
    const ref = fastAckId(subscription, raw);
    if (ref !== null && Number.isSafeInteger(ref.offset) && ref.attempt >= 1) return ref;
  }
  return parseAckIdStrictly(subscription, raw);
}

/** parseAckId by the pattern: the reference the fast path must agree with, and the precise error. */
export function parseAckIdStrictly(subscription: string, raw: unknown): AckRef {
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
