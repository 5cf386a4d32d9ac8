// `GET /v1/ws`: WebSocket delivery of topic streams and subscription messages with flow control by
// credits, and publishing (protocol in ws-protocol.ts, streams in ws-streams.ts). Each socket handles
// its stream messages one at a time; a publish starts as soon as it is read (in the order read, so
// per-key order holds) and is answered once durable, so a publisher can pipeline. A socket is paused
// (not read) while too many messages wait or run, or while its send buffer is full; errors are
// messages with stable codes. Invariants: sockets <= connectionsMax, streams per socket <=
// streamsPerSocketMax, messages waiting or running per socket <= pendingMessagesMax (+ what was read
// before the pause took effect); closing a socket aborts its long polls and releases all it holds,
// and never touches another socket.

import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type { Broker } from '../broker/broker.ts';
import { repeatTimer } from '../log/clock.ts';
import { ReadBufferPool } from '../log/read-pool.ts';
import type { DelayedDelivery } from '../broker/delayed.ts';
import { publishNow, publishWithDelays } from './delayed-publish.ts';
import type { SubscriptionManager } from '../broker/subscriptions/manager.ts';
import { EddyError } from '../errors.ts';
import type { HttpMetrics } from './metrics.ts';
import { CloseCodes, decodeBinaryClientMessage, decodeClientMessage, wsLimits, type ClientMessage, type ProtocolError, type WsLimits } from './ws-protocol.ts';
import { pumpPartition, pumpSubscription, ReaderStates, Stream, type ServerMessage, type StreamHost } from './ws-streams.ts';

export interface WebSocketOptions {
  broker: Broker;
  metrics: HttpMetrics;
  subscriptions?: SubscriptionManager;
  delayed?: DelayedDelivery;
  limits?: Partial<WsLimits>;
}

interface Hub {
  readonly broker: Broker;
  readonly subscriptions: SubscriptionManager | null;
  readonly delayed: DelayedDelivery | undefined;
  readonly limits: WsLimits;
  readonly connections: Set<Connection>;
  readonly metrics: HttpMetrics;
  readonly delivered: Counter<'kind'>;
  readonly errors: Counter<'code'>;
  readonly frames: ReadBufferPool;
}

function toProtocolError(e: unknown, id?: string, ref?: string | null): ProtocolError {
  const err = e instanceof EddyError ? e : new EddyError('broker.internal', 'internal error');
  return { code: err.code, detail: err.message, ...(id !== undefined ? { id } : {}), ...(ref ? { ref } : {}) };
}

/** A publish over the socket has no HTTP headers (delays come as event fields). */
const noHeaders: Record<string, string | undefined> = {};

/** `ref` echoed only when the client gave one (answers stay as they were for clients that do not). */
const withRef = (ref: string | null) => (ref === null ? {} : { ref });

class Connection implements StreamHost {
  readonly #hub: Hub;
  readonly #ws: WebSocket;
  readonly streams = new Map<string, Stream>();
  readonly #flushWaiters = new Set<() => void>();
  readonly #ac = new AbortController();
  #queue: Promise<void> = Promise.resolve();
  #pendingMessages = 0;
  #errorCount = 0;
  #closed = false;
  #corked = false;
  /** The client sent something (a message or a pong) since the last heartbeat. */
  #heard = true;
  held = 0;

  constructor(hub: Hub, ws: WebSocket) {
    this.#hub = hub;
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      this.#heard = true;
      this.#onMessage(data, isBinary);
    });
    ws.on('pong', () => (this.#heard = true));
    ws.once('close', () => this.dispose());
  }

  /** One heartbeat: cut a socket that stayed silent since the last one, else ping it. */
  heartbeat(): void {
    if (this.#closed) return;
    if (!this.#heard) {
      this.#ws.terminate();
      this.dispose();
      return;
    }
    this.#heard = false;
    this.#ws.ping();
  }

  get limits(): WsLimits {
    return this.#hub.limits;
  }

  /** Client messages read and not finished (stream requests waiting or running, publishes running). */
  get pendingMessages(): number {
    return this.#pendingMessages;
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  get congested(): boolean {
    return this.#ws.bufferedAmount > this.#hub.limits.socketBufferedBytesMax;
  }

  send(message: ServerMessage): void {
    this.sendFrame(JSON.stringify(message));
  }

  sendPooledFrame(build: (alloc: (bytes: number) => Buffer) => Buffer): void {
    const pool = this.#hub.frames;
    const frame = build((n) => pool.acquire(n));
    // Back to the pool only after a write that completed: after an error the socket may be gone with
    // the write still referring to the bytes, so the buffer is left to the GC.
    const written = (e?: Error): void => {
      if (!e) pool.release(frame);
      this.#onFlushed();
    };
    if (!this.#send(frame, written)) pool.release(frame);
  }

  /** Sends a text (string) or binary (Buffer) frame, corked with the others of this tick. */
  sendFrame(frame: string | Buffer): void {
    this.#send(frame, this.#onFlushed);
  }

  /** Sends a frame (corked with the others of this tick); false when the socket is closed and nothing was sent. */
  #send(frame: string | Buffer, written: (e?: Error) => void): boolean {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return false;
    // Frames sent in one tick (a pulled batch, answers) leave in one write: the socket is corked
    // on the first and uncorked on the next tick, as node:http does for a response.
    if (!this.#corked) {
      const socket = (this.#ws as unknown as { _socket: Socket | null })._socket;
      if (socket) {
        socket.cork();
        this.#corked = true;
        process.nextTick(() => {
          this.#corked = false;
          socket.uncork();
        });
      }
    }
    // The callback runs once the frame is handed to the kernel: the socket's 'drain', per frame.
    this.#ws.send(frame, written);
    return true;
  }

  readonly #onFlushed = (): void => {
    if (this.congested && !this.#closed) return;
    for (const w of [...this.#flushWaiters]) w();
    this.#maybeResume();
  };

  /** Reads the socket again once few enough messages wait and the send buffer has room. */
  #maybeResume(): void {
    if (this.#ws.isPaused && !this.#closed && this.#pendingMessages <= this.#hub.limits.pendingMessagesMax / 2 && !this.congested) this.#ws.resume();
  }

  async writable(signal: AbortSignal): Promise<void> {
    while (this.congested && !signal.aborted && !this.#closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#flushWaiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#flushWaiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  delivered(kind: 'event' | 'message', count = 1): void {
    this.#hub.delivered.inc({ kind }, count);
  }

  fail(stream: Stream, error: unknown): void {
    if (this.streams.get(stream.id) !== stream) return;
    const e = toProtocolError(error, stream.id);
    this.#end(stream);
    this.#error(e);
    this.send({ type: 'unsubscribed', id: stream.id, code: e.code });
  }

  /** Socket closed: abort every long poll and wait, release the streams. Idempotent. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ac.abort();
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    for (const w of [...this.#flushWaiters]) w();
    this.#hub.connections.delete(this);
    this.#hub.metrics.wsConnections.dec();
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
    this.dispose();
  }

  #error(e: ProtocolError): void {
    this.#hub.errors.inc({ code: e.code });
    this.send({ type: 'error', ...e });
    if (++this.#errorCount >= this.#hub.limits.errorsPerSocketMax) this.close(CloseCodes.policyViolation, 'too many invalid messages');
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    // A binary frame is a publish whose data follow its JSON header as bytes (ws-protocol.ts).
    const d = isBinary ? decodeBinaryClientMessage(bytes) : decodeClientMessage(bytes.toString('utf8'));
    if (!d.ok) {
      this.#error(d.error);
      return;
    }
    // Too many messages waiting or running, or a full send buffer, pauses the socket, so a client
    // that floods requests and never reads the answers costs bounded memory.
    if (++this.#pendingMessages >= this.#hub.limits.pendingMessagesMax || this.congested) this.#ws.pause();
    const m = d.value;
    if (m.type === 'publish') {
      this.#publish(m);
      return;
    }
    // Stream messages one at a time per socket (answers in order), each only once the send buffer
    // can take its answer — except that an ack with lingerMs is applied in its turn and answered
    // once its held write is durable, without holding up the messages after it.
    let held: Promise<void> | null = null;
    this.#queue = this.#queue
      .then(async () => {
        await this.writable(this.#ac.signal);
        if (this.#closed) return;
        if (m.type === 'ack' && m.lingerMs > 0) held = this.#ack(m).catch((e: unknown) => this.#error(toProtocolError(e, m.id, m.ref)));
        else await this.#handle(m);
      })
      .catch((e: unknown) => this.#error(toProtocolError(e, m.id, 'ref' in m ? m.ref : null)))
      .finally(() => {
        const done = () => {
          this.#pendingMessages--;
          this.#maybeResume();
        };
        if (held) void held.finally(done);
        else done();
      });
  }

  /** Applies an ack at once (up to its first await) and answers it once durable (its write held up to lingerMs for later acks to share). */
  async #ack(m: Extract<ClientMessage, { type: 'ack' }>): Promise<void> {
    const r = await this.#manager().ack(this.#subscriptionOf(m.id), m.ackIds, { lingerMs: m.lingerMs });
    this.send({ type: 'acked', id: m.id, ...r, ...withRef(m.ref) });
  }

  /**
   * Starts the append now (the events are encoded at once and not referenced after) and answers
   * when it is durable. A failed publish is answered with an error carrying its ref; it is the
   * broker's state (disk full, a failed data directory), not an invalid message, so it does not
   * count towards errorsPerSocketMax.
   */
  #publish(m: Extract<ClientMessage, { type: 'publish' }>): void {
    const { ref, topic } = m;
    // Record fields carry no delays (cloudevent-record.ts): they go to the log at once.
    const count = 'records' in m ? m.records.length : m.events.length;
    let published;
    try {
      published = 'records' in m ? publishNow(this.#hub.broker, topic, m.records) : publishWithDelays(this.#hub.broker, this.#hub.delayed, topic, m.events, noHeaders);
    } catch (e) {
      published = Promise.reject(e);
    }
    published
      .then(
        (offsets) => {
          this.#hub.metrics.publishedEvents.inc({ topic }, count);
          this.send({ type: 'published', ref, offsets });
        },
        (e: unknown) => {
          const p = toProtocolError(e, undefined, ref);
          this.#hub.errors.inc({ code: p.code });
          this.send({ type: 'error', ...p });
        },
      )
      .finally(() => {
        this.#pendingMessages--;
        this.#maybeResume();
      });
  }

  async #handle(m: ClientMessage): Promise<void> {
    switch (m.type) {
      case 'subscribe':
        return 'subscription' in m ? this.#subscribeSubscription(m) : this.#subscribeTopic(m);
      case 'credit': {
        const s = this.#stream(m.id);
        if (s.credits + m.credits > this.limits.creditsOutstandingMax) {
          throw new EddyError('ws.credits_exceeded', `stream "${m.id}" has ${s.credits} credits; at most ${this.limits.creditsOutstandingMax} may be outstanding`, { credits: s.credits });
        }
        s.grant(m.credits);
        return;
      }
      case 'ack':
        return this.#ack(m);
      case 'nack': {
        const r = await this.#manager().nack(this.#subscriptionOf(m.id), m.ackIds, { ...(m.delayMs === null ? {} : { delayMs: m.delayMs }), ...(m.reason === null ? {} : { reason: m.reason }) });
        this.send({ type: 'nacked', id: m.id, ...r, ...withRef(m.ref) });
        return;
      }
      case 'modifyAckDeadline': {
        const r = await this.#manager().modifyAckDeadline(this.#subscriptionOf(m.id), m.ackIds, m.ackDeadlineMs);
        this.send({ type: 'modified', id: m.id, ...r, ...withRef(m.ref) });
        return;
      }
      case 'unsubscribe':
        this.#end(this.#stream(m.id));
        this.send({ type: 'unsubscribed', id: m.id });
        return;
    }
  }

  #checkNewStream(id: string): void {
    if (this.streams.has(id)) throw new EddyError('ws.stream_exists', `a stream with id "${id}" is already open on this socket`);
    if (this.streams.size >= this.limits.streamsPerSocketMax) throw new EddyError('ws.too_many_streams', `at most ${this.limits.streamsPerSocketMax} streams per socket`);
  }

  async #subscribeTopic(m: Extract<ClientMessage, { type: 'subscribe'; topic: string }>): Promise<void> {
    this.#checkNewStream(m.id);
    const broker = this.#hub.broker;
    const count = broker.describeTopic(m.topic).partitions.length;
    if (m.partition !== null && m.partition >= count) throw new EddyError('partition.not_found', `topic "${m.topic}" has no partition ${m.partition}`);
    const starts = new Map<number, number>();
    if (typeof m.from === 'object' && 'offsets' in m.from) {
      for (const [p, offset] of m.from.offsets) {
        if (p >= count) throw new EddyError('partition.not_found', `topic "${m.topic}" has no partition ${p}`);
        if (m.partition !== null && p !== m.partition) throw new EddyError('request.invalid', `from names partition ${p} but the stream is for partition ${m.partition}`);
        const hw = broker.partitionLog(m.topic, p).highWatermark;
        if (offset > hw) throw new EddyError('offset.out_of_range', `offset ${offset} of partition ${p} is above the high watermark ${hw}`, { partition: p, highWatermark: hw });
        starts.set(p, offset);
      }
    } else {
      for (let p = 0; p < count; p++) {
        if (m.partition !== null && p !== m.partition) continue;
        const log = broker.partitionLog(m.topic, p);
        if (m.from === 'earliest') starts.set(p, log.logStartOffset);
        else if (m.from === 'latest') starts.set(p, log.highWatermark);
        else starts.set(p, (await broker.listOffset(m.topic, p, m.from.timestampMs)).offset);
      }
    }
    if (this.#closed) return;
    this.#checkNewStream(m.id);
    const stream = new Stream(m.id, { credits: m.credits });
    this.streams.set(m.id, stream);
    this.send({ type: 'subscribed', id: m.id, topic: m.topic, partitions: [...starts].map(([partition, offset]) => ({ partition, offset })), credits: m.credits });
    for (const [p, offset] of starts) void pumpPartition(this, broker, stream, m.topic, p, offset);
  }

  async #subscribeSubscription(m: Extract<ClientMessage, { type: 'subscribe'; subscription: string }>): Promise<void> {
    this.#checkNewStream(m.id);
    const config = this.#manager().get(m.subscription);
    const stream = new Stream(m.id, { credits: m.credits, subscription: config.name, encoding: m.encoding });
    this.streams.set(m.id, stream);
    this.send({ type: 'subscribed', id: m.id, subscription: config.name, topic: config.topic, ackDeadlineMs: config.ackDeadlineMs, credits: m.credits });
    void pumpSubscription(this, this.#manager(), stream);
  }

  #manager(): SubscriptionManager {
    if (!this.#hub.subscriptions) throw new EddyError('subscription.not_found', 'subscriptions are not enabled on this server');
    return this.#hub.subscriptions;
  }

  #stream(id: string): Stream {
    const s = this.streams.get(id);
    if (!s) throw new EddyError('ws.stream_not_found', `no stream "${id}" on this socket`);
    return s;
  }

  #subscriptionOf(id: string): string {
    const s = this.#stream(id);
    if (s.subscription === null) throw new EddyError('request.invalid', `stream "${id}" is a topic stream: ack, nack and modifyAckDeadline apply to subscription streams`);
    return s.subscription;
  }

  #end(stream: Stream): void {
    stream.close();
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }
}

function registerWsMetrics(hub: Omit<Hub, 'delivered' | 'errors'>): Pick<Hub, 'delivered' | 'errors'> {
  const registers = [hub.metrics.registry];
  const conns = () => [...hub.connections];
  new Gauge({ name: 'eddy_ws_streams', help: 'Open WebSocket streams', registers, collect() { this.set(conns().reduce((n, c) => n + c.streams.size, 0)); } });
  new Gauge({
    name: 'eddy_ws_stream_readers',
    help: 'WebSocket stream readers by what they wait for: credits, socket (send buffer full), log (long poll), sending',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const counts: Record<string, number> = Object.fromEntries(Object.values(ReaderStates).map((s) => [s, 0]));
      for (const c of conns()) for (const s of c.streams.values()) for (const r of s.readers) counts[r.state] = (counts[r.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({ name: 'eddy_ws_pending_messages', help: 'Client messages read and not finished: requests waiting or running, publishes not yet durable', registers, collect() { this.set(conns().reduce((n, c) => n + c.pendingMessages, 0)); } });
  new Gauge({ name: 'eddy_ws_buffered_bytes', help: 'Bytes queued in WebSocket send buffers', registers, collect() { this.set(conns().reduce((n, c) => n + c.bufferedBytes, 0)); } });
  new Gauge({ name: 'eddy_ws_held_records', help: 'Records read for WebSocket streams and not yet sent', registers, collect() { this.set(conns().reduce((n, c) => n + c.held, 0)); } });
  const delivered = new Counter({ name: 'eddy_ws_delivered_total', help: 'Events (topic streams) and messages (subscriptions) sent over WebSockets', labelNames: ['kind'] as const, registers });
  const errors = new Counter({ name: 'eddy_ws_errors_total', help: 'Error messages sent over WebSockets by code', labelNames: ['code'] as const, registers });
  return { delivered, errors };
}

/** Registers @fastify/websocket and `GET /v1/ws` on the app. */
export function registerWebSocket(app: FastifyInstance, options: WebSocketOptions): void {
  const limits = { ...wsLimits, ...options.limits };
  // Binary `messages` frames are built in reused buffers (see ReadBufferPool for why): from 32 KiB
  // to twice binaryFrameBytesMax (the records, their header, one record past the bound), 8 MiB kept,
  // all dropped once no frame was built for a heartbeat.
  const frames = new ReadBufferPool({ minBytes: 32 * 1024, maxBufferBytes: 2 * limits.binaryFrameBytesMax, bytesMax: 8 * 1024 * 1024 });
  const base = { broker: options.broker, subscriptions: options.subscriptions ?? null, delayed: options.delayed, limits, connections: new Set<Connection>(), metrics: options.metrics, frames };
  const hub: Hub = { ...base, ...registerWsMetrics(base) };
  // On the broker's clock (tests advance a fake one); the system clock's timers never keep the process alive.
  const heartbeat = repeatTimer(hub.broker.clock, hub.limits.heartbeatMs, () => {
    for (const c of [...hub.connections]) c.heartbeat();
    frames.trimIfIdle();
  });
  app.addHook('onClose', async () => heartbeat.cancel());
  app.register(fastifyWebsocket, {
    options: { maxPayload: hub.limits.messageBytesMax },
    // Shutdown: tell clients we are going away; a client that does not answer the close handshake
    // within closeWaitMs is cut, so app.close() never hangs on a socket.
    async preClose(this: FastifyInstance) {
      const closing = [...this.websocketServer.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(CloseCodes.goingAway, 'server shutting down');
            setTimeout(() => ws.terminate(), 2000).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });
  app.register(async (scope) => {
    scope.route({
      method: 'GET',
      url: '/v1/ws',
      preHandler: async () => {
        if (hub.connections.size >= hub.limits.connectionsMax) throw new EddyError('ws.too_many_connections', `at most ${hub.limits.connectionsMax} WebSocket connections`);
      },
      handler: async () => {
        throw new EddyError('request.invalid', 'GET /v1/ws needs a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)');
      },
      wsHandler: (socket) => {
        if (hub.connections.size >= hub.limits.connectionsMax) {
          socket.close(CloseCodes.tryAgainLater, 'too many connections');
          return;
        }
        const c = new Connection(hub, socket);
        hub.connections.add(c);
        hub.metrics.wsConnections.inc();
      },
    });
  });
}
