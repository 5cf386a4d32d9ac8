// Server-Sent Events over a topic: one SSE event per record, `id:` = the event's `partition:offset`
// followed (for multi-partition topics) by `,p:o` cursors of the other partitions, so Last-Event-ID
// resumes every partition exactly after what the client saw. Writes wait for 'drain' (bounded buffer).

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../broker/broker.ts';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { recordViewJson } from './events.ts';
import type { HttpMetrics } from './metrics.ts';
import { sendProblem } from './problem.ts';

const HEARTBEAT_MS = 15_000;
const READ_LIMIT = 500;
const READ_BYTES = 1024 * 1024;

/** Parses `p:o[,p:o...]` into partition -> last delivered offset. */
export function parseCursor(raw: string | undefined, partitions: number): Map<number, number> {
  const out = new Map<number, number>();
  if (!raw) return out;
  if (raw.length > 20 * limits.partitionsMax) throw new EddyError('request.invalid', 'Last-Event-ID too long');
  for (const part of raw.split(',')) {
    const m = /^(\d{1,4}):(-1|\d{1,16})$/.exec(part.trim());
    if (!m) throw new EddyError('request.invalid', `Last-Event-ID must be partition:offset[,partition:offset...], got "${raw.slice(0, 60)}"`);
    const p = Number(m[1]);
    if (p >= partitions) throw new EddyError('partition.not_found', `no partition ${p}`);
    out.set(p, Number(m[2]));
  }
  return out;
}

export async function streamTopic(broker: Broker, req: FastifyRequest<{ Params: { topic: string }; Querystring: Record<string, string | undefined> }>, reply: FastifyReply, metrics: HttpMetrics): Promise<void> {
  const topic = req.params.topic;
  let starts: Map<number, number>;
  try {
    const desc = broker.describeTopic(topic);
    const count = desc.partitions.length;
    const only = req.query.partition === undefined ? null : Number(req.query.partition);
    if (only !== null && (!Number.isInteger(only) || only < 0 || only >= count)) throw new EddyError('partition.not_found', `no partition ${req.query.partition}`);
    const lastEventId = (req.headers['last-event-id'] as string | undefined) ?? req.query.lastEventId;
    const resume = parseCursor(lastEventId, count);
    const from = req.query.from ?? 'latest';
    if (from !== 'earliest' && from !== 'latest' && !/^\d{1,16}$/.test(from)) throw new EddyError('request.invalid', 'from must be earliest, latest or a timestamp in ms');
    starts = new Map();
    for (let p = 0; p < count; p++) {
      if (only !== null && p !== only) continue;
      const seen = resume.get(p);
      if (seen !== undefined) starts.set(p, seen + 1);
      else if (from === 'earliest') starts.set(p, broker.partitionLog(topic, p).logStartOffset);
      else if (from === 'latest') starts.set(p, broker.partitionLog(topic, p).highWatermark);
      else starts.set(p, (await broker.listOffset(topic, p, Number(from))).offset);
    }
  } catch (e) {
    await sendProblem(reply, e instanceof EddyError ? e : new EddyError('broker.internal', String(e)));
    return;
  }

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': eddy stream\n\n');
  metrics.sseClients.inc();
  const ac = new AbortController();
  const cursors = new Map<number, number>();
  for (const [p, o] of starts) cursors.set(p, o - 1);
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  void closed.then(() => {
    ac.abort();
    metrics.sseClients.dec();
  });
  const heartbeat = setInterval(() => res.write(': keepalive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  const pump = async (partition: number): Promise<void> => {
    let offset = starts.get(partition)!;
    while (!ac.signal.aborted) {
      const log = broker.partitionLog(topic, partition);
      if (offset < log.logStartOffset) offset = log.logStartOffset;
      const r = await broker.readTextRecords(topic, partition, offset, { limit: READ_LIMIT, maxBytes: READ_BYTES, maxWaitMs: HEARTBEAT_MS, signal: ac.signal });
      // One write per read (not per event): fewer syscalls and chunks on the hot path.
      let chunk = '';
      for (const rec of r.records) {
        cursors.set(partition, rec.offset);
        let id = `${partition}:${rec.offset}`;
        for (const [p, o] of cursors) if (p !== partition) id += `,${p}:${o}`;
        chunk += `id: ${id}\ndata: ${recordViewJson(partition, rec)}\n\n`;
      }
      if (chunk.length > 0) {
        const ok = res.write(chunk);
        if (!ok && !ac.signal.aborted) await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      offset = r.nextOffset;
    }
  };
  try {
    await Promise.all([...starts.keys()].map(pump));
  } catch (e) {
    if (!ac.signal.aborted) {
      const err = e instanceof EddyError ? e : new EddyError('broker.internal', 'stream failed');
      res.write(`event: error\ndata: ${JSON.stringify({ code: err.code, detail: err.message })}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
