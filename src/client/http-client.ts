// The `eddy` transport's HTTP requests: node:http(s) with a keep-alive agent, the body sent with its
// length and the answer read whole. Lighter than the global fetch (undici's web streams, Headers and
// Response objects per request were a large share of a publisher's CPU and garbage at one publish per
// millisecond). Errors are split the way the transport retries them: the request never got an answer
// (`unreachable`), or the answer was cut (`cut`).

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** Why a request failed: no answer, an answer cut short (both worth retrying), or an answer above responseBytesMax (not). */
export type HttpFailure = 'unreachable' | 'cut' | 'too_large';

export class HttpRequestError extends Error {
  readonly stage: HttpFailure;
  constructor(stage: HttpFailure, message: string) {
    super(message);
    this.stage = stage;
  }
}

/** A request whose socket stays silent this long fails (as undici's fetch does after 300 s): a broker that accepts and never answers cannot hang a publish. */
export const httpIdleTimeoutMsDefault = 300_000;

/**
 * The largest answer read (64 MiB): the broker's biggest answers (a read of 10,000 events, at most
 * 1 MiB of log, as JSON) are a few MiB; anything far larger is not an Eddy answer and is not buffered.
 */
export const httpResponseBytesMaxDefault = 64 * 1024 * 1024;

export class KeepAliveHttpClient {
  readonly #https: boolean;
  readonly #agent: HttpAgent;
  readonly #idleTimeoutMs: number;
  readonly #responseBytesMax: number;

  constructor(baseUrl: string, options: { idleTimeoutMs?: number; responseBytesMax?: number } = {}) {
    this.#https = new URL(baseUrl).protocol === 'https:';
    this.#agent = this.#https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#idleTimeoutMs = options.idleTimeoutMs ?? httpIdleTimeoutMsDefault;
    this.#responseBytesMax = options.responseBytesMax ?? httpResponseBytesMaxDefault;
  }

  request(url: string, method: string, body?: { text: string; contentType: string }): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const onAnswer = (res: IncomingMessage): void => {
        answered = true;
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > this.#responseBytesMax) {
            reject(new HttpRequestError('too_large', `answer larger than ${this.#responseBytesMax} bytes`));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
        res.on('aborted', () => reject(new HttpRequestError('cut', 'response cut')));
        res.on('error', (e) => reject(new HttpRequestError('cut', `response cut: ${e.message}`)));
      };
      const headers = body === undefined ? {} : { 'content-type': body.contentType, 'content-length': Buffer.byteLength(body.text) };
      const req = (this.#https ? httpsRequest : httpRequest)(url, { method, agent: this.#agent, headers }, onAnswer);
      req.on('error', (e) => reject(new HttpRequestError(answered ? 'cut' : 'unreachable', e.message)));
      req.setTimeout(this.#idleTimeoutMs, () => req.destroy(new Error(`no answer for ${this.#idleTimeoutMs} ms`)));
      req.end(body?.text);
    });
  }

  /** Closes the idle keep-alive sockets; requests still running finish (their sockets idle unref'd, closed by the server). */
  close(): void {
    for (const sockets of Object.values(this.#agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}
