// The eddy transport's HTTP client: answers read whole over a reused keep-alive socket, bodies sent
// with their length, and the two failures the transport retries told apart: no answer
// ('unreachable': refused, or a socket silent past the idle timeout), an answer cut short ('cut'), and
// an answer above the size limit ('too_large', not retried by the transport).

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HttpRequestError, KeepAliveHttpClient } from './http-client.ts';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('requests reuse one keep-alive socket; bodies arrive whole with their length; answers are read whole', async (t) => {
  const sockets = new Set<unknown>();
  const { server, url } = await serve((req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, length: req.headers['content-length'], type: req.headers['content-type'], body }));
    });
  });
  const client = new KeepAliveHttpClient(url);
  t.after(async () => {
    client.close();
    await close(server);
  });
  const body = `{"text":"${'é'.repeat(10_000)}"}`;
  for (let i = 0; i < 3; i++) {
    const a = await client.request(`${url}/x`, 'POST', { text: body, contentType: 'application/cloudevents-batch+json' });
    assert.equal(a.status, 201);
    assert.deepEqual(JSON.parse(a.text), { method: 'POST', length: String(Buffer.byteLength(body)), type: 'application/cloudevents-batch+json', body });
  }
  const g = await client.request(`${url}/y`, 'GET');
  assert.equal(JSON.parse(g.text).body, '');
  assert.equal(sockets.size, 1, 'one socket served every request');
});

test('no answer: a refused connection and a silent server are "unreachable"; an answer cut short is "cut"', async (t) => {
  const { server: silent, url: silentUrl } = await serve(() => {}); // accepts, never answers
  const { server: cutter, url: cutUrl } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('{"partial":');
    setImmediate(() => res.socket?.destroy());
  });
  const refusedUrl = await (async () => {
    const { server, url } = await serve(() => {});
    await close(server);
    return url;
  })();
  t.after(async () => {
    await close(silent);
    await close(cutter);
  });
  const stageOf = (p: Promise<unknown>) =>
    p.then(
      () => 'answered',
      (e: unknown) => (e instanceof HttpRequestError ? e.stage : `other: ${String(e)}`),
    );
  assert.equal(await stageOf(new KeepAliveHttpClient(refusedUrl).request(`${refusedUrl}/`, 'GET')), 'unreachable');
  assert.equal(await stageOf(new KeepAliveHttpClient(silentUrl, { idleTimeoutMs: 50 }).request(`${silentUrl}/`, 'POST', { text: '{}', contentType: 'application/json' })), 'unreachable');
  assert.equal(await stageOf(new KeepAliveHttpClient(cutUrl).request(`${cutUrl}/`, 'GET')), 'cut');
});

test('an answer above responseBytesMax is refused as "too_large" without being buffered whole', async (t) => {
  const { server, url } = await serve((_req, res) => {
    res.writeHead(200);
    res.end(Buffer.alloc(64 * 1024, 0x61));
  });
  t.after(() => close(server));
  const small = new KeepAliveHttpClient(url, { responseBytesMax: 1024 });
  await assert.rejects(small.request(`${url}/`, 'GET'), (e: unknown) => e instanceof HttpRequestError && e.stage === 'too_large');
  const roomy = new KeepAliveHttpClient(url, { responseBytesMax: 64 * 1024 });
  assert.equal((await roomy.request(`${url}/`, 'GET')).text.length, 64 * 1024, 'exactly the limit is read');
  small.close();
  roomy.close();
});
