// The SDK side of binary `messages` frames against a broker that sends a frame which does not decode
// (a real WebSocket server that answers the subscribe, then sends damaged bytes): the subscription
// fails with sdk.transport_failed naming the frame, instead of handing out anything from it. And the
// credit policy: credits refill in halves of what the consumer wants.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { EddyError } from '../errors.ts';
import { creditsToGrant, WsSubscription } from './eddy-ws-subscription.ts';

test('a binary messages frame that does not decode fails the subscription with sdk.transport_failed', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  t.after(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  wss.on('connection', (ws: WebSocket) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id: string };
      if (m.type !== 'subscribe') return;
      ws.send(JSON.stringify({ type: 'subscribed', id: m.id, subscription: 'work', topic: 'jobs', ackDeadlineMs: 30_000, credits: 0 }));
      // A header naming one message of 5 record bytes, followed by 5 bytes that are no record.
      const header = Buffer.from(JSON.stringify({ type: 'messages', id: m.id, messages: [['work:0:0:1', 1, 0, 0, 0, 5]] }));
      const frame = Buffer.concat([Buffer.alloc(4), header, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])]);
      frame.writeUInt32BE(header.length, 0);
      ws.send(frame, { binary: true });
    }),
  );
  const { port } = wss.address() as { port: number };
  const closing = new AbortController();
  const sub = new WsSubscription({
    url: `ws://127.0.0.1:${port}/v1/ws`,
    subscription: 'work',
    reconnect: { initialMs: 10, maxMs: 10, giveUpMs: 1_000, heartbeatMs: 30_000 },
    random: () => 0.5,
    closing: closing.signal,
    wire: () => assert.fail('no record of a bad frame reaches the consumer'),
    lag: () => Promise.resolve(0),
  });
  await sub.open();
  await assert.rejects(sub.pull({ max: 10, waitMs: 30_000 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.transport_failed' && /binary messages frame: message 0/.test(e.message));
  closing.abort();
  await sub.close();
});

test('credits refill in halves: nothing while more than half the target is held, then the difference', () => {
  assert.equal(creditsToGrant(10, 0), 10);
  assert.equal(creditsToGrant(10, 5), 5);
  assert.equal(creditsToGrant(10, 6), 0, 'more than half held: no frame');
  assert.equal(creditsToGrant(10, 9), 0);
  assert.equal(creditsToGrant(1, 0), 1, 'a target of one is granted once nothing is held');
  assert.equal(creditsToGrant(1, 1), 0);
  assert.equal(creditsToGrant(0, 0), 0);
  assert.equal(creditsToGrant(4, 9), 0, 'never negative once the target shrank below what is held');
  for (let target = 0; target <= 40; target++) {
    for (let held = 0; held <= 40; held++) {
      const c = creditsToGrant(target, held);
      assert.ok(c >= 0 && held + c <= Math.max(held, target), 'never more than the target owed or buffered');
      if (held * 2 <= target) assert.equal(held + c, target, 'refilled to the target');
    }
  }
});
