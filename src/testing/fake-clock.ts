// A deterministic Clock for tests: time moves only when the test calls advance(). Timers due at or
// before the new time fire in due order, each seeing now() equal to its due time.

import type { Clock, Timer } from '../log/clock.ts';

interface Pending {
  dueMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  #nowMs: number;
  #seq = 0;
  #timers: Pending[] = [];
  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }
  now(): number {
    return this.#nowMs;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const p: Pending = { dueMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }
  /** Number of live timers (for assertions). */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }
  /** Moves time forward by `ms`, firing due timers in order (timers they set also fire if due). */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      let next: Pending | undefined;
      for (const t of this.#timers) {
        if (t.dueMs <= target && (!next || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      next.fn();
    }
    this.#nowMs = target;
  }
}
