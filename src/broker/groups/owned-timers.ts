// Every timer the group coordinator starts goes through one OwnedTimers, so close() can cancel all
// of them and tests can assert none is left behind. A timer leaves the set when it fires or is
// cancelled; starting a timer after cancelAll() is a broken invariant.

import type { Clock, Timer } from '../../log/clock.ts';
import { assert } from '../../errors.ts';

export class OwnedTimers {
  readonly #clock: Clock;
  readonly #live = new Set<Timer>();
  #closed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }
  /** Live timers (for assertions). */
  get size(): number {
    return this.#live.size;
  }
  start(delayMs: number, fn: () => void): Timer {
    assert(!this.#closed, 'timer started after close');
    const handle: Timer = {
      cancel: () => {
        if (this.#live.delete(handle)) inner.cancel();
      },
    };
    const inner = this.#clock.setTimer(delayMs, () => {
      if (this.#live.delete(handle)) fn();
    });
    this.#live.add(handle);
    return handle;
  }
  cancelAll(): void {
    this.#closed = true;
    for (const t of [...this.#live]) t.cancel();
  }
}
