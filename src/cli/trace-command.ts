// `eddy trace CORRELATION_ID --topic T [--topic T ...]`: the causal chain of one correlation id, as
// the SDK's bus.trace() builds it (src/client/trace.ts), read over the broker's HTTP API — which
// event caused which, across services and topics.

import { EddyError } from '../errors.ts';
import { EddyHttpTransport } from '../client/eddy-transport.ts';
import { traceOf, type TraceNode } from '../client/trace.ts';
import { ApiError, ConnectError } from './client.ts';
import { UsageError } from './config.ts';
import { brokerUrl, parse } from './main.ts';

export async function traceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { topic: { type: 'string', short: 't', multiple: true }, 'max-per-topic': { type: 'string' } });
  const correlationId = positionals[0];
  if (!correlationId || positionals.length > 1) throw new UsageError('trace needs one correlation id');
  const topics = values.topic ?? [];
  if (topics.length === 0) throw new UsageError('trace needs --topic (repeat it for every topic of the chain)');
  const maxPerTopic = values['max-per-topic'] === undefined ? undefined : Number(values['max-per-topic']);
  if (maxPerTopic !== undefined && (!Number.isSafeInteger(maxPerTopic) || maxPerTopic < 1)) throw new UsageError('--max-per-topic must be a positive integer');
  const transport = new EddyHttpTransport({ url: brokerUrl(values.url), reconnect: { giveUpMs: 0 } });
  try {
    const trace = await traceOf(transport, correlationId, { topics, ...(maxPerTopic !== undefined ? { maxPerTopic } : {}) });
    if (values.json) {
      process.stdout.write(JSON.stringify(trace) + '\n');
      return 0;
    }
    if (trace.size === 0) {
      process.stdout.write(`no events with correlation id ${correlationId} in ${topics.join(', ')}\n`);
      return 0;
    }
    const print = (n: TraceNode, depth: number) => {
      process.stdout.write(`${'  '.repeat(depth)}${depth > 0 ? '└─ ' : ''}${n.type} ${n.id} from ${n.source} at ${n.time} (${n.topic})\n`);
      for (const c of n.children) print(c, depth + 1);
    };
    for (const r of trace.roots) print(r, 0);
    process.stdout.write(`${trace.size} event(s)\n`);
    return 0;
  } catch (e) {
    if (e instanceof EddyError && e.code === 'sdk.transport_failed') throw new ConnectError(e.message);
    if (e instanceof EddyError) throw new ApiError(0, e.code, e.message);
    throw e;
  } finally {
    await transport.close();
  }
}
