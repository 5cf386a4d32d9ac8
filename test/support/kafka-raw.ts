// A minimal raw Kafka client for tests: sends requests encoded with KafkaWriter over one socket and
// hands back each response body as a KafkaReader (header already read). Lets tests speak exact
// versions and bytes (bad batches, long polls) that a real client would never send.

import { connect, type Socket } from 'node:net';
import { KafkaReader } from '../../src/kafka/protocol/reader.ts';
import { KafkaWriter } from '../../src/kafka/protocol/writer.ts';

interface Waiting {
  flexible: boolean;
  resolve(r: KafkaReader): void;
  reject(e: Error): void;
}

export class RawKafka {
  readonly socket: Socket;
  #correlationId = 0;
  #waiting = new Map<number, Waiting>();
  #buffer: Buffer = Buffer.alloc(0);
  #closed: Error | null = null;
  /** Every response frame received, in order (for golden fixtures). */
  readonly frames: Buffer[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = (e: Error) => {
      this.#closed = e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafka> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RawKafka(s));
      });
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Encodes a request frame (header v1, or v2 when flexible) around `body`. */
  static frame(apiKey: number, version: number, correlationId: number, flexible: boolean, body: (w: KafkaWriter) => void, clientId = 'raw-test'): Buffer {
    const w = new KafkaWriter(false);
    w.int32(0).int16(apiKey).int16(version).int32(correlationId).nullableString(clientId);
    w.flexible = flexible;
    w.tags();
    body(w);
    const bytes = Buffer.from(w.finish());
    bytes.writeInt32BE(bytes.length - 4, 0);
    return bytes;
  }

  /** Sends one request and resolves with its response body. */
  request(apiKey: number, version: number, body: (w: KafkaWriter) => void, options: { flexible?: boolean } = {}): Promise<KafkaReader> {
    const flexible = options.flexible ?? false;
    const id = ++this.#correlationId;
    const p = new Promise<KafkaReader>((resolve, reject) => {
      if (this.#closed) reject(this.#closed);
      else this.#waiting.set(id, { flexible, resolve, reject });
    });
    this.socket.write(RawKafka.frame(apiKey, version, id, flexible, body));
    return p;
  }

  /** Sends a request that gets no response (Produce acks=0) or raw bytes. */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4) {
      const size = this.#buffer.readInt32BE(0);
      if (this.#buffer.length < 4 + size) return;
      const frame = this.#buffer.subarray(4, 4 + size);
      this.#buffer = this.#buffer.subarray(4 + size);
      this.frames.push(Buffer.from(frame));
      const id = frame.readInt32BE(0);
      const w = this.#waiting.get(id);
      if (!w) continue;
      this.#waiting.delete(id);
      const r = new KafkaReader(frame, { start: 4, flexible: w.flexible });
      r.tags();
      w.resolve(r);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
