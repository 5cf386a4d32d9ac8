// A recording TCP proxy for the Kafka protocol: forwards bytes unchanged between clients and a
// broker, and splits each direction into frames (int32 size prefix) to keep every request with the
// response of the same correlation id. Used by scripts/capture-kafka-golden.ts.

import { connect, createServer, type Socket } from 'node:net';

export interface Exchange {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** The request frame without its size prefix (header + body). */
  request: Buffer;
  /** The response frame without its size prefix; null when none came (acks=0). */
  response: Buffer | null;
}

/** One line of test/fixtures/kafka/clients/manifest.json: a captured request (and Eddy's response) of one client and API version. */
export interface GoldenEntry {
  client: string;
  clientVersion: string;
  api: string;
  apiKey: number;
  version: number;
  /** Paths relative to the manifest. */
  request: string;
  response: string | null;
}

/** Calls `onFrame` with each whole frame (size prefix removed) of a byte stream. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export async function startRecorder(target: () => { host: string; port: number }): Promise<{ port: number; exchanges: Exchange[]; close(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const t = target();
    const upstream = connect(t.port, t.host);
    sockets.add(client).add(upstream);
    const waiting: Exchange[] = [];
    client.on('data', framer((f) => {
      const e: Exchange = { apiKey: f.readInt16BE(0), apiVersion: f.readInt16BE(2), correlationId: f.readInt32BE(4), request: Buffer.from(f), response: null };
      exchanges.push(e);
      waiting.push(e);
    }));
    upstream.on('data', framer((f) => {
      const corr = f.readInt32BE(0);
      const i = waiting.findIndex((e) => e.correlationId === corr);
      if (i >= 0) waiting.splice(i, 1)[0]!.response = Buffer.from(f);
    }));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
