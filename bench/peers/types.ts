// The two seams of `npm run bench:peers`: a server (a process the harness starts, samples through
// /proc and stops by PID) and a client (the system's own Node.js client, driven by the workloads in
// workloads.ts from a separate client process). Every system implements both; the workloads are
// written once.

/** A running server. `pid` is the process whose CPU and RSS are reported (the broker itself). */
export interface ServerHandle {
  readonly pid: number;
  /** JSON-serialisable connection details handed to the client process. */
  readonly connection: Record<string, string | number | boolean>;
  stop(): Promise<void>;
}

export interface ServerSpec {
  /** Row name, e.g. `redis-always`. */
  readonly id: string;
  /** What the row means, for the table: "Redis 7.0.15 Streams, AOF appendfsync always". */
  readonly describe: string;
  /** Debian packages the server needs (installed by the harness when missing). */
  readonly packages: readonly string[];
  /** The server's version as it prints it. */
  version(): string;
  start(dataDir: string): Promise<ServerHandle>;
}

/** Handed to `onEvent`: the event's payload bytes, as the client received them. */
export type OnEvent = (payload: Uint8Array) => void;

export interface Subscription {
  close(): Promise<void>;
}

export interface PeerClient {
  /** Client library and version, e.g. `ioredis 5.4.1`. */
  readonly library: string;
  /**
   * Creates an empty stream (topic / stream / queue) called `stream`, to be read by `groups` (a
   * system whose queues are consumed destructively needs one queue per group before the first
   * publish; the others may ignore it).
   */
  create(stream: string, groups: readonly string[]): Promise<void>;
  /**
   * Publishes `count` copies of `payload` with the client's normal batching, at most `window`
   * events sent and not yet acknowledged (durably, as the server defines it) at any time; resolves
   * when every one is acknowledged. Throws on the first failure.
   */
  publish(stream: string, payload: Uint8Array, count: number, window: number): Promise<void>;
  /** Publishes one event and resolves when it is acknowledged (the latency workload). */
  send(stream: string, payload: Uint8Array): Promise<void>;
  /**
   * Reads `stream` from its first event as member of the named group (a consumer group, durable
   * consumer or queue: several groups each see every event), calling `onEvent` once per event in
   * order. Resolves once the consumer is attached; events arrive afterwards.
   */
  consume(stream: string, group: string, onEvent: OnEvent): Promise<Subscription>;
  close(): Promise<void>;
}

/** A client module (clients/*.ts) exports `connect`. */
export type Connect = (connection: ServerHandle['connection']) => Promise<PeerClient>;
