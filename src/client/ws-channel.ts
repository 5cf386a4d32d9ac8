// One WebSocket to the broker's `GET /v1/ws` that outlives broker restarts: the `eddy` transport's
// publisher and each of its subscriptions hold one. Requests carry a `ref` that the broker echoes in
// its answer or in its error, so each request settles on its own answer, whatever the order.
//
// When the socket drops (broker restart) the requests still unanswered are sent again on the next
// socket — every request the SDK sends is safe to repeat: a publish is stored once per CloudEvent
// id, acking twice is harmless — and connecting retries with jittered exponential backoff; after
// `giveUpMs` without a socket they fail with sdk.transport_failed. An error answer whose code means
// "not now" (the HTTP 502/503/504 family: the log closing while the broker stops, a failed data
// directory) is retried on the same schedule, as the transport's HTTP requests are.
// Heartbeat: a broker can vanish without closing the connection (power loss, a NAT or proxy that
// forgot it); the socket would then swallow requests for hours. A socket that is not ready within
// `heartbeatMs`, or has received nothing (message or pong) in the `heartbeatMs` after a ping, is cut,
// which drops it as if the broker had closed it.

import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { EddyError, ErrorCodes, type ErrorCode } from '../errors.ts';
import { abortableSleep, backoffWaitMs } from './waits.ts';

/** What the broker sends: a type, and per type a stream id, a ref, an error code… (ws-streams.ts has the full union). */
export interface ServerMessage {
  type: string;
  id?: string;
  ref?: string;
  code?: string;
  detail?: string;
  [field: string]: unknown;
}

export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
  giveUpMs: number;
  /** A socket not ready within this, or silent this long after a ping, is cut (then reopened). */
  heartbeatMs: number;
}

export interface WsChannelOptions {
  /** `ws://host:port/v1/ws` */
  url: string;
  reconnect: ReconnectPolicy;
  random: () => number;
  /** Aborted when the transport closes: ends backoff waits. */
  closing: AbortSignal;
  /** Names the channel in errors ("subscription \"x\"", "publisher"). */
  what: string;
  /** Sent first on each new socket, which carries requests once an answer is `accepted`; without it a socket is ready when open. */
  handshake?: { message: Record<string, unknown>; accepted(m: ServerMessage): boolean };
  /** Messages that answer no request of this channel. */
  onMessage?(m: ServerMessage): void;
  /**
   * Binary frames (a binary subscription stream's `messages`). Without it, a binary frame before the
   * handshake's answer fails the socket; one after it is ignored, as a text frame that is not JSON is.
   */
  onBinary?(frame: Buffer): void;
  /** A new socket is ready (called before the waiting requests go out on it). */
  onOpen?(): void;
  /** The ready socket closed. */
  onDropped?(): void;
}

interface Request {
  /** The message as sent: JSON text, or a binary frame (a publish whose data follow its header). */
  frame: string | Buffer;
  resolve(m: ServerMessage): void;
  reject(e: Error): void;
  /** When a "not now" answer is no longer retried. */
  giveUpAt: number;
  attempt: number;
  /** Set while the request waits to be sent again after a "not now" answer. */
  retry: NodeJS.Timeout | null;
}

/** The SDK error for a broker error code (a code this SDK does not know is a transport failure). */
export function errorOf(code: string, detail: string): EddyError {
  return code in ErrorCodes ? new EddyError(code as ErrorCode, detail) : new EddyError('sdk.transport_failed', `${code}: ${detail}`);
}

/** HTTP statuses that mean "the broker cannot do it now": retried, for requests and answers alike. */
export const retryStatuses: ReadonlySet<number> = new Set([502, 503, 504]);

function notNow(code: string | undefined): boolean {
  const c = code !== undefined && code in ErrorCodes ? ErrorCodes[code as ErrorCode] : undefined;
  return c !== undefined && retryStatuses.has(c.http) && !code!.startsWith('sdk.');
}

/**
 * The masking key of every frame this client sends: zeros, which `ws` on both ends recognises and
 * skips (no XOR pass over each payload byte on either side: a publish of 500 events is ~650 KB).
 * Masking protects intermediaries from frames a hostile *browser script* shapes (RFC 6455 §10.3);
 * this client is a server-side SDK sending its own bytes, which gains nothing from it.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

export class WsChannel {
  readonly #o: WsChannelOptions;
  #ws: WebSocket | null = null;
  /** The socket being opened (and its handshake answered), shared by every caller meanwhile. */
  #connecting: Promise<WebSocket> | null = null;
  readonly #requests = new Map<string, Request>();
  #nextRef = 0;
  /** Set when the channel ended for good (the broker ended the stream, or close()): every request fails with it. */
  #failure: EddyError | null = null;
  /** The socket is corked until the next tick (see #write). */
  #corked = false;
  /** Pings the ready socket every heartbeatMs; cuts it when the last ping got nothing back. */
  #heartbeat: NodeJS.Timeout | null = null;
  /** Something arrived on the ready socket since the last ping. */
  #heard = true;

  constructor(options: WsChannelOptions) {
    this.#o = options;
  }

  /** The ready socket, if there is one now. */
  get socket(): WebSocket | null {
    return this.#ws;
  }

  get failure(): EddyError | null {
    return this.#failure;
  }

  /** The ready socket, opening one (with backoff) when there is none. */
  connection(): Promise<WebSocket> {
    if (this.#ws) return Promise.resolve(this.#ws);
    this.#connecting ??= this.#connectWithBackoff().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  /** Sends `message` on the ready socket, if any (no answer expected, nothing kept for a later socket). */
  send(message: Record<string, unknown>): boolean {
    const ws = this.#ws;
    if (!ws) return false;
    this.#write(ws, JSON.stringify(message));
    return true;
  }

  /**
   * Frames sent in one tick leave in one write: the socket is corked on the first and uncorked on
   * the next tick (a consumer's credit and ack for one delivery, or a burst of publishes, cost one
   * system call on each side instead of one per frame).
   */
  #write(ws: WebSocket, frame: string | Buffer): void {
    if (!this.#corked) {
      const socket = (ws as unknown as { _socket: Socket | null })._socket;
      if (socket) {
        socket.cork();
        this.#corked = true;
        process.nextTick(() => {
          this.#corked = false;
          socket.uncork();
        });
      }
    }
    ws.send(frame);
  }

  /** Sends one request and settles on its answer (sent again on the next socket if this one drops). */
  request(message: Record<string, unknown>): Promise<ServerMessage> {
    return this.requestFrame((ref) => JSON.stringify({ ...message, ref }));
  }

  /** As request, for a message already serialised (JSON text, or a binary frame): `frame(ref)` must put `ref` in it. */
  requestFrame(frame: (ref: string) => string | Buffer): Promise<ServerMessage> {
    if (this.#failure) return Promise.reject(this.#failure);
    const ref = String(++this.#nextRef);
    const answered = new Promise<ServerMessage>((resolve, reject) => {
      this.#requests.set(ref, { frame: frame(ref), resolve, reject, giveUpAt: Date.now() + this.#o.reconnect.giveUpMs, attempt: 0, retry: null });
    });
    const ws = this.#ws;
    if (ws) this.#write(ws, this.#requests.get(ref)!.frame);
    else {
      // Sent with every other waiting request once a socket is ready.
      this.connection().catch((e: unknown) => this.#settle(ref, e instanceof Error ? e : new Error(String(e))));
    }
    return answered;
  }

  /** Ends the channel for good: every request, now and later, fails with `error`. */
  fail(error: EddyError): void {
    this.#failure ??= error;
    for (const ref of [...this.#requests.keys()]) this.#settle(ref, this.#failure);
    this.#ws?.close(1000);
  }

  /** Fails what is waiting with `error`, closes the socket (cut after 2 s without the close handshake). */
  async close(error: EddyError): Promise<void> {
    this.fail(error);
    this.#stopHeartbeat();
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState !== ws.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      const timer = setTimeout(() => ws.terminate(), 2_000);
      await closed;
      clearTimeout(timer);
    }
  }

  async #connectWithBackoff(): Promise<WebSocket> {
    const giveUpAt = Date.now() + this.#o.reconnect.giveUpMs;
    for (let attempt = 0; ; attempt++) {
      if (this.#failure) throw this.#failure;
      try {
        return await this.#connect();
      } catch (e) {
        const retryable = e instanceof EddyError && e.code === 'sdk.transport_failed';
        if (!retryable || this.#failure || Date.now() >= giveUpAt) throw e;
        await abortableSleep(backoffWaitMs(attempt, this.#o.reconnect, this.#o.random, giveUpAt), [this.#o.closing]);
      }
    }
  }

  /** One socket: open, handshake; then the requests still unanswered are sent again on it. */
  #connect(): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.#o.url, { maxPayload: 64 * 1024 * 1024, generateMask: zeroMask });
      let settled = false;
      const fail = (e: EddyError) => {
        if (settled) return;
        settled = true;
        clearTimeout(opening);
        ws.terminate();
        reject(e);
      };
      const opening = setTimeout(() => fail(new EddyError('sdk.transport_failed', `WebSocket ${this.#o.url} (${this.#o.what}) not ready within ${this.#o.reconnect.heartbeatMs} ms`, { retryable: true })), this.#o.reconnect.heartbeatMs);
      const ready = () => {
        if (this.#failure) return fail(this.#failure); // closed while this socket was opening
        settled = true;
        clearTimeout(opening);
        this.#ws = ws;
        this.#startHeartbeat(ws);
        this.#o.onOpen?.();
        for (const r of this.#requests.values()) if (r.retry === null) this.#write(ws, r.frame);
        resolve(ws);
      };
      ws.on('error', (e) => fail(new EddyError('sdk.transport_failed', `WebSocket ${this.#o.url}: ${e.message}`, { retryable: true })));
      ws.once('close', () => {
        fail(new EddyError('sdk.transport_failed', `WebSocket ${this.#o.url} closed while opening (${this.#o.what})`, { retryable: true }));
        this.#dropped(ws);
      });
      ws.once('open', () => {
        const h = this.#o.handshake;
        if (h) ws.send(JSON.stringify(h.message));
        else ready();
      });
      ws.on('pong', () => (this.#heard = true));
      ws.on('message', (data: RawData, isBinary: boolean) => {
        this.#heard = true;
        if (isBinary) {
          const onBinary = this.#o.onBinary;
          if (settled && onBinary) onBinary(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
          else fail(new EddyError('sdk.transport_failed', 'the broker sent an unexpected binary WebSocket message'));
          return;
        }
        let m: ServerMessage;
        try {
          m = JSON.parse(String(data)) as ServerMessage;
        } catch {
          fail(new EddyError('sdk.transport_failed', 'the broker sent a WebSocket message that is not JSON'));
          return;
        }
        if (settled) this.#onMessage(m);
        else if (this.#o.handshake?.accepted(m)) ready();
        else if (m.type === 'error') fail(errorOf(m.code ?? 'sdk.transport_failed', m.detail ?? 'refused'));
      });
    });
  }

  #onMessage(m: ServerMessage): void {
    const r = m.ref === undefined ? undefined : this.#requests.get(m.ref);
    if (r === undefined) {
      this.#o.onMessage?.(m);
      return;
    }
    if (m.type !== 'error') return this.#settle(m.ref!, null, m);
    if (!notNow(m.code) || Date.now() >= r.giveUpAt || this.#failure) return this.#settle(m.ref!, errorOf(m.code ?? 'sdk.transport_failed', m.detail ?? 'failed'));
    r.retry = setTimeout(() => {
      r.retry = null;
      if (this.#ws) this.#write(this.#ws, r.frame); // no socket now: the next one sends it
    }, backoffWaitMs(r.attempt++, this.#o.reconnect, this.#o.random, r.giveUpAt));
  }

  #startHeartbeat(ws: WebSocket): void {
    this.#stopHeartbeat();
    this.#heard = true;
    this.#heartbeat = setInterval(() => {
      if (!this.#heard) {
        ws.terminate(); // 'close' follows: dropped, and reopened if a request waits
        return;
      }
      this.#heard = false;
      ws.ping();
    }, this.#o.reconnect.heartbeatMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #settle(ref: string, error: Error | null, answer?: ServerMessage): void {
    const r = this.#requests.get(ref);
    if (!r) return;
    this.#requests.delete(ref);
    if (r.retry !== null) clearTimeout(r.retry);
    if (error) r.reject(error);
    else r.resolve(answer!);
  }

  /** The ready socket closed: reconnect if a request still waits for an answer. */
  #dropped(ws: WebSocket): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    this.#stopHeartbeat();
    this.#o.onDropped?.();
    if (this.#failure === null && this.#requests.size > 0) {
      this.connection().catch((e: unknown) => {
        const err = e instanceof EddyError ? e : new EddyError('sdk.transport_failed', String(e));
        for (const ref of [...this.#requests.keys()]) this.#settle(ref, err);
      });
    }
  }
}
