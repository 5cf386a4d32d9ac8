// `eddy produce` (stdin lines -> events, batched while a request is in flight, in order) and
// `eddy consume` (events of every partition from earliest or latest, to the end or --follow).

import { createInterface } from 'node:readline';
import { api } from './client.ts';
import { consumeInGroup } from './group-consume.ts';
import { UsageError } from './config.ts';
import { brokerUrl, parse } from './main.ts';

const BATCH_EVENTS_MAX = 500;
const BUFFERED_LINES_MAX = 10_000;

function progress(enabled: boolean): { tick(n: number): void; done(): void } {
  let count = 0;
  let last = 0;
  return {
    tick(n) {
      count += n;
      const now = Date.now();
      if (enabled && now - last > 500) {
        last = now;
        process.stderr.write(`\r${count} events`);
      }
    },
    done() {
      if (enabled) process.stderr.write(`\r${count} events\n`);
    },
  };
}

export async function produceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string', short: 'k' }, partition: { type: 'string', short: 'p' } });
  const topic = positionals[0];
  if (!topic) throw new UsageError('produce needs a TOPIC');
  const partition = values.partition === undefined ? undefined : Number(values.partition);
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) throw new UsageError('--partition must be a non-negative integer');
  const url = brokerUrl(values.url);
  const path = `/v1/topics/${encodeURIComponent(topic)}/events`;
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };
  rl.on('line', (line) => {
    if (line.trim().length === 0) return;
    lines.push(line);
    if (lines.length >= BUFFERED_LINES_MAX) rl.pause();
    signal();
  });
  rl.on('close', () => {
    ended = true;
    signal();
  });
  const bar = progress(process.stderr.isTTY === true);
  let produced = 0;
  for (;;) {
    if (lines.length === 0) {
      if (ended) break;
      await new Promise<void>((r) => (wake = r));
      continue;
    }
    const chunk = lines.splice(0, BATCH_EVENTS_MAX);
    if (lines.length < BUFFERED_LINES_MAX / 2) rl.resume();
    const events = chunk.map((line) => {
      let value: unknown = line;
      try {
        value = JSON.parse(line);
      } catch {
        /* a plain text line is stored as a JSON string */
      }
      return { value, ...(values.key !== undefined ? { key: values.key } : {}), ...(partition !== undefined ? { partition } : {}) };
    });
    await api(url, 'POST', path, { events });
    produced += events.length;
    bar.tick(events.length);
  }
  bar.done();
  if (values.json) process.stdout.write(JSON.stringify({ topic, produced }) + '\n');
  else if (process.stderr.isTTY) process.stderr.write(`produced ${produced} events to ${topic}\n`);
  return 0;
}

interface EventView {
  partition: number;
  offset: number;
  value: unknown;
  valueEncoding?: string;
}
interface ReadResponse {
  events: EventView[];
  nextOffset: number;
  highWatermark: number;
}

export async function consumeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'from-beginning': { type: 'boolean' },
    partition: { type: 'string', short: 'p' },
    max: { type: 'string', short: 'n' },
    follow: { type: 'boolean', short: 'f' },
    group: { type: 'string', short: 'g' },
  });
  const topic = positionals[0];
  if (!topic) throw new UsageError('consume needs a TOPIC');
  const max = values.max === undefined ? Infinity : Number(values.max);
  if (max !== Infinity && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max must be a positive integer');
  const url = brokerUrl(values.url);
  if (values.group !== undefined) {
    if (values.partition !== undefined) throw new UsageError('--partition and --group exclude each other: the group assigns partitions');
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    try {
      return await consumeInGroup({ url, topic, group: values.group, fromBeginning: values['from-beginning'] === true, follow: values.follow === true, max, json: values.json === true, signal: ac.signal, print: (l) => process.stdout.write(l + '\n') });
    } catch (e) {
      if ((e as Error).name === 'AbortError') return 0;
      throw e;
    } finally {
      process.off('SIGINT', stop);
    }
  }
  const t = await api<{ partitions: { partition: number; earliestOffset: number; latestOffset: number }[] }>(url, 'GET', `/v1/topics/${encodeURIComponent(topic)}`);
  let parts = t.partitions;
  if (values.partition !== undefined) {
    parts = parts.filter((p) => p.partition === Number(values.partition));
    if (parts.length === 0) throw new UsageError(`topic ${topic} has no partition ${values.partition}`);
  }
  const state = parts.map((p) => ({ partition: p.partition, next: values['from-beginning'] ? p.earliestOffset : p.latestOffset, end: p.latestOffset }));
  const bar = progress(process.stderr.isTTY === true && !process.stdout.isTTY);
  let printed = 0;
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  try {
    while (printed < max && !ac.signal.aborted) {
      let active = state.filter((s) => values.follow || s.next < s.end);
      if (active.length === 0) break;
      const waitMs = values.follow ? Math.floor(5000 / active.length) : 0;
      let got = 0;
      for (const s of active) {
        const limit = Math.min(1000, max - printed);
        if (limit <= 0) break;
        const r = await api<ReadResponse>(url, 'GET', `/v1/topics/${encodeURIComponent(topic)}/partitions/${s.partition}/events?offset=${s.next}&limit=${limit}&maxWaitMs=${waitMs}`, undefined, { signal: ac.signal });
        for (const e of r.events) {
          const line = values.json ? JSON.stringify(e) : e.valueEncoding ? String(e.value) : typeof e.value === 'string' ? e.value : JSON.stringify(e.value);
          process.stdout.write(line + '\n');
        }
        printed += r.events.length;
        got += r.events.length;
        s.next = r.nextOffset;
        if (r.events.length === 0 && !values.follow) s.end = Math.min(s.end, s.next);
      }
      bar.tick(got);
      active = [];
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    process.off('SIGINT', stop);
    bar.done();
  }
  return 0;
}
