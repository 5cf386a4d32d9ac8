// A Redis idempotency store (ioredis), shared by every process of a consumer group: one key per
// (group, event id), `SET key 1 NX PX windowMs` after the handler succeeded, `EXISTS` before it runs.
// Redis expires the entry after the window, so the store needs no cleanup and stays bounded by the
// events of one window. Keys: `<prefix><group>:<event id>` (groups cannot contain ':').

import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { EddyError } from '../errors.ts';
import type { IdempotencyStore } from './idempotency.ts';

export interface RedisIdempotencyStoreOptions {
  /** A client to use (not closed by close()), or a redis:// URL / ioredis options for one of our own. */
  redis: Redis | string | RedisOptions;
  /** Default 'eddy:idem:'. */
  keyPrefix?: string;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;

  constructor(o: RedisIdempotencyStoreOptions) {
    // ioredis (CommonJS) is loaded by the first store, not when the SDK is imported.
    const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    if (o.redis instanceof Redis) {
      this.redis = o.redis;
      this.#owned = false;
    } else {
      this.redis = typeof o.redis === 'string' ? new Redis(o.redis) : new Redis(o.redis);
      this.#owned = true;
    }
    this.#prefix = o.keyPrefix ?? 'eddy:idem:';
  }

  #key(group: string, eventId: string): string {
    return `${this.#prefix}${group}:${eventId}`;
  }

  async has(group: string, eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.#key(group, eventId))) === 1;
  }

  async markDone(group: string, eventId: string, windowMs: number): Promise<void> {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) throw new EddyError('sdk.invalid_options', 'the idempotency window must be a positive integer of milliseconds');
    // NX: a mark already there keeps its first expiry (the event finished then).
    await this.redis.set(this.#key(group, eventId), '1', 'PX', windowMs, 'NX');
  }

  /** Closes the connection if this store opened it. */
  async close(): Promise<void> {
    if (this.#owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
