// Retry policy of a subscription: attempts, exponential backoff with a cap and optional jitter.
// The delay before attempt n+1 is min(maxMs, initialMs * multiplier^(n-1)); with jitter it is drawn
// uniformly from [delay/2, delay] ("equal jitter": spreads retries, keeps a floor).

import { EddyError } from '../errors.ts';

export interface RetryOptions {
  /** Total delivery attempts, the first included (default 5, at most 100). */
  attempts?: number;
  backoff?: { initialMs?: number; multiplier?: number; maxMs?: number; jitter?: boolean };
}

export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  multiplier: number;
  maxMs: number;
  jitter: boolean;
}

/** Bounds of the broker's subscriptions (src/broker/subscriptions/limits.ts). */
const attemptsMax = 100;
const backoffMsMax = 600_000;
const multiplierMax = 10;

function bad(message: string): EddyError {
  return new EddyError('sdk.invalid_options', `retry: ${message}`);
}

export function retryPolicy(o: RetryOptions = {}): RetryPolicy {
  const attempts = o.attempts ?? 5;
  const initialMs = o.backoff?.initialMs ?? 1000;
  const multiplier = o.backoff?.multiplier ?? 2;
  const maxMs = o.backoff?.maxMs ?? Math.max(60_000, initialMs);
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > attemptsMax) throw bad(`attempts must be an integer in [1, ${attemptsMax}]`);
  if (!Number.isSafeInteger(initialMs) || initialMs < 0 || initialMs > backoffMsMax) throw bad(`backoff.initialMs must be an integer in [0, ${backoffMsMax}]`);
  if (!Number.isSafeInteger(maxMs) || maxMs < initialMs || maxMs > backoffMsMax) throw bad(`backoff.maxMs must be an integer in [initialMs, ${backoffMsMax}]`);
  if (!Number.isFinite(multiplier) || multiplier < 1 || multiplier > multiplierMax) throw bad(`backoff.multiplier must be in [1, ${multiplierMax}]`);
  return { attempts, initialMs, multiplier, maxMs, jitter: o.backoff?.jitter ?? true };
}

/** Delay before the attempt after `attempt` (1-based) failed; `random` returns [0, 1). */
export function backoffDelayMs(p: RetryPolicy, attempt: number, random: () => number): number {
  const base = Math.min(p.maxMs, p.initialMs * p.multiplier ** Math.max(0, attempt - 1));
  return Math.round(p.jitter ? base / 2 + (random() * base) / 2 : base);
}
