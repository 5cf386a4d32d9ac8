// One Kafka client connection: length-prefixed frames (size checked against frameBytesMax before
// anything is allocated: memory grows by what arrived, not by what was declared), request header
// v1/v2, bounded pipelining (the socket is paused past inFlightRequestsMax) and responses written in
// request order. A malformed frame, an unknown API or an unsupported version closes this connection
// alone (ApiVersions answers UNSUPPORTED_VERSION with its ranges instead, per KIP-511).

import type { Socket } from 'node:net';
import type { Broker } from '../broker/broker.ts';
import type { ReadAllocator } from '../log/read-pool.ts';
import type { AnyKafkaApi, KafkaContext } from './api.ts';
import { KafkaError } from './api.ts';
import { kafkaLimits } from './protocol/limits.ts';
import { KafkaReader } from './protocol/reader.ts';
import { KafkaWriter } from './protocol/writer.ts';

export const API_VERSIONS_KEY = 18;

export interface ConnectionOptions {
  broker: Broker;
  apis: ReadonlyMap<number, AnyKafkaApi>;
  advertised: { nodeId: number; host: string; port: number };
  onClose(): void;
  onProtocolError(reason: string): void;
  /**
   * Where Fetch reads its bytes: buffers lent from it are given back once the socket has taken the
   * response that carries them (or the connection closed before writing it).
   */
  readPool?: ReadAllocator;
  /** Overrides of kafkaLimits.frameTimeoutMs / idleTimeoutMs (tests, operators). */
  frameTimeoutMs?: number;
  idleTimeoutMs?: number;
}

interface Pending {
  done: boolean;
  /** The response frame as pieces (large record batches are referenced, not copied). */
  bytes: Uint8Array[] | null;
}

/** The writer's pieces with the frame size written into the first (the header is always there). */
function framed(w: KafkaWriter): Uint8Array[] {
  const total = w.length;
  const chunks = w.finishChunks();
  const first = chunks[0]!;
  new DataView(first.buffer, first.byteOffset, first.byteLength).setInt32(0, total - 4);
  return chunks;
}

export class KafkaConnection {
  readonly socket: Socket;
  readonly #o: ConnectionOptions;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #queue: Pending[] = [];
  #inFlight = 0;
  #closed = false;
  #paused = false;
  readonly #abort = new AbortController();
  #frameTimer: NodeJS.Timeout | null = null;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.#o = options;
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs ?? kafkaLimits.idleTimeoutMs, () => this.close('idle timeout'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.close(null));
    socket.on('close', () => this.close(null));
  }

  /** Bytes received and not yet decoded (what a partial frame costs: what arrived, not what was declared). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  close(reason: string | null): void {
    if (this.#closed) return;
    this.#closed = true;
    if (reason) this.#o.onProtocolError(reason);
    if (this.#frameTimer) clearTimeout(this.#frameTimer);
    this.#abort.abort();
    this.#chunks = [];
    this.socket.destroy();
    this.#o.onClose();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#parse();
  }

  #peekSize(): number {
    if (this.#chunks[0]!.length < 4) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!.readInt32BE(0);
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }

  #parse(): void {
    while (!this.#closed && !this.#paused && this.#buffered > 0) {
      if (this.#buffered < 4) return this.#awaitRestOfFrame();
      const size = this.#peekSize();
      if (size <= 0 || size > kafkaLimits.frameBytesMax) {
        this.close(`frame size ${size} outside 1..${kafkaLimits.frameBytesMax}`);
        return;
      }
      if (this.#buffered < 4 + size) return this.#awaitRestOfFrame();
      if (this.#frameTimer) {
        clearTimeout(this.#frameTimer);
        this.#frameTimer = null;
      }
      const frame = this.#take(4 + size).subarray(4);
      this.#request(frame);
    }
  }

  /** A partial frame (its size field included: a trickled size is slow-loris too) must complete in time. */
  #awaitRestOfFrame(): void {
    this.#frameTimer ??= setTimeout(() => this.close('frame not completed in time'), this.#o.frameTimeoutMs ?? kafkaLimits.frameTimeoutMs);
  }

  #request(frame: Buffer): void {
    const head = new KafkaReader(frame);
    const apiKey = head.int16();
    const version = head.int16();
    const correlationId = head.int32();
    const clientId = head.nullableString();
    if (!head.ok) {
      this.close(`malformed request header: ${head.error!.message}`);
      return;
    }
    const api = this.#o.apis.get(apiKey);
    const codec = api?.version(version);
    if (!api || !codec) {
      if (apiKey === API_VERSIONS_KEY) {
        this.#respondUnsupportedApiVersions(correlationId);
        return;
      }
      this.close(api ? `${api.name} v${version} is not supported (${api.minVersion}..${api.maxVersion})` : `unknown API key ${apiKey}`);
      return;
    }
    const flexible = codec.flexible;
    const r = new KafkaReader(frame, { start: frame.length - head.remaining, flexible });
    r.tags(); // request header v2 tags
    let req: unknown;
    try {
      req = codec.decodeRequest(r);
    } catch (e) {
      // A decoder bug must not take the broker down with it: this connection alone closes.
      this.close(`${api.name} v${version} decoder threw: ${(e as Error).message}`);
      return;
    }
    r.end();
    if (!r.ok) {
      this.close(`malformed ${api.name} v${version} request: ${r.error!.message}`);
      return;
    }
    const ctx: KafkaContext = {
      broker: this.#o.broker,
      clientId,
      clientHost: this.socket.remoteAddress ?? '',
      advertised: this.#o.advertised,
      signal: this.#abort.signal,
      version,
      ...(this.#o.readPool ? { readPool: this.#o.readPool } : {}),
    };
    if (api.noResponse?.(req)) {
      api.handle(req, ctx).then(
        (res) => {
          if (api.closeWithoutResponse?.(res)) this.close(`${api.name} failed with no response to carry the error`);
        },
        () => this.close(`${api.name} failed with no response to carry the error`),
      );
      return;
    }
    const slot: Pending = { done: false, bytes: null };
    this.#queue.push(slot);
    this.#inFlight++;
    if (this.#inFlight >= kafkaLimits.inFlightRequestsMax) this.#pause();
    api
      .handle(req, ctx)
      .then((res) => {
        const w = new KafkaWriter(false);
        w.int32(0).int32(correlationId);
        // Response header v1 (tags) for flexible versions, except ApiVersions which is always v0.
        w.flexible = flexible && apiKey !== API_VERSIONS_KEY;
        w.tags();
        w.flexible = flexible;
        codec.encodeResponse(w, res);
        slot.bytes = framed(w);
        slot.done = true;
        this.#flush();
      })
      // A handler or encoder failure (e.g. a value the wire cannot carry) closes this connection only.
      .catch((e: unknown) => this.close(`${api.name} failed: ${(e as Error).message}`));
  }

  #respondUnsupportedApiVersions(correlationId: number): void {
    const w = new KafkaWriter(false);
    w.int32(0).int32(correlationId).int16(KafkaError.UNSUPPORTED_VERSION);
    const apis = [...this.#o.apis.values()].sort((a, b) => a.key - b.key);
    w.array(apis, (a) => w.int16(a.key).int16(a.minVersion).int16(a.maxVersion));
    this.#queue.push({ done: true, bytes: framed(w) });
    this.#inFlight++;
    this.#flush();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  #flush(): void {
    let corked = false;
    while (this.#queue.length > 0 && this.#queue[0]!.done) {
      const slot = this.#queue.shift()!;
      this.#inFlight--;
      const pool = this.#o.readPool;
      if (this.#closed) {
        if (pool) for (const piece of slot.bytes!) pool.release(piece);
        continue;
      }
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      // A lent piece goes back once the kernel has its bytes (or the socket is gone); the rest need no callback.
      for (const piece of slot.bytes!) this.socket.write(piece, pool?.isLent(piece) ? () => pool.release(piece) : undefined);
    }
    if (corked) this.socket.uncork();
    if (this.#paused && this.#inFlight < kafkaLimits.inFlightRequestsMax / 2 && !this.#closed) {
      this.#paused = false;
      this.socket.resume();
      this.#parse();
    }
  }
}
