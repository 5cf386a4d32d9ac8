// `eddy subscription create|list|describe|delete|pull`: queue-style subscriptions over the HTTP API.
// `pull --ack` acknowledges what it printed, after printing it (at-least-once to stdout).

import { api } from './client.ts';
import { UsageError } from './config.ts';
import { brokerUrl, parse } from './main.ts';
import { printTable } from './table.ts';

interface Sub {
  name: string;
  topic: string;
  ackDeadlineMs: number;
  maxDeliveryAttempts: number;
  deadLetterTopic: string | null;
  ordered: boolean;
  stats?: Record<string, number>;
}

function intFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

export async function subscriptionCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    topic: { type: 'string', short: 't' },
    'ack-deadline-ms': { type: 'string' },
    'max-delivery-attempts': { type: 'string' },
    'dead-letter-topic': { type: 'string' },
    ordered: { type: 'boolean' },
    max: { type: 'string', short: 'n' },
    'wait-ms': { type: 'string' },
    ack: { type: 'boolean' },
  });
  const [sub, name] = positionals;
  const url = brokerUrl(values.url);
  const path = (n: string) => `/v1/subscriptions/${encodeURIComponent(n)}`;
  switch (sub) {
    case 'create': {
      if (!name || !values.topic) throw new UsageError('subscription create needs NAME and --topic');
      const ackDeadlineMs = intFlag(values['ack-deadline-ms'], 'ack-deadline-ms');
      const maxDeliveryAttempts = intFlag(values['max-delivery-attempts'], 'max-delivery-attempts');
      const s = await api<Sub>(url, 'POST', '/v1/subscriptions', {
        name,
        topic: values.topic,
        ...(ackDeadlineMs !== undefined ? { ackDeadlineMs } : {}),
        ...(maxDeliveryAttempts !== undefined ? { maxDeliveryAttempts } : {}),
        ...(values['dead-letter-topic'] ? { deadLetterTopic: values['dead-letter-topic'] } : {}),
        ...(values.ordered ? { ordered: true } : {}),
      });
      if (values.json) process.stdout.write(JSON.stringify(s) + '\n');
      else process.stdout.write(`created subscription ${s.name} on ${s.topic}\n`);
      return 0;
    }
    case 'list': {
      const r = await api<{ subscriptions: Sub[] }>(url, 'GET', '/v1/subscriptions');
      if (values.json) process.stdout.write(JSON.stringify(r.subscriptions) + '\n');
      else printTable(['SUBSCRIPTION', 'TOPIC', 'ACK DEADLINE MS', 'MAX ATTEMPTS', 'DEAD LETTER', 'ORDERED'], r.subscriptions.map((s) => [s.name, s.topic, String(s.ackDeadlineMs), String(s.maxDeliveryAttempts), s.deadLetterTopic ?? '-', String(s.ordered)]));
      return 0;
    }
    case 'describe': {
      if (!name) throw new UsageError('subscription describe needs NAME');
      const s = await api<Sub>(url, 'GET', path(name));
      if (values.json) process.stdout.write(JSON.stringify(s) + '\n');
      else printTable(['FIELD', 'VALUE'], [['topic', s.topic], ['ackDeadlineMs', String(s.ackDeadlineMs)], ['maxDeliveryAttempts', String(s.maxDeliveryAttempts)], ['deadLetterTopic', s.deadLetterTopic ?? '-'], ['ordered', String(s.ordered)], ...Object.entries(s.stats ?? {}).map(([k, v]) => [k, String(v)])]);
      return 0;
    }
    case 'delete': {
      if (!name) throw new UsageError('subscription delete needs NAME');
      await api(url, 'DELETE', path(name));
      if (!values.json) process.stdout.write(`deleted subscription ${name}\n`);
      return 0;
    }
    case 'pull': {
      if (!name) throw new UsageError('subscription pull needs NAME');
      const max = intFlag(values.max, 'max') ?? 10;
      const waitMs = intFlag(values['wait-ms'], 'wait-ms') ?? 0;
      const r = await api<{ messages: { ackId: string; deliveryAttempt: number; event: { value: unknown } }[] }>(url, 'POST', `${path(name)}/pull`, { max, waitMs });
      for (const m of r.messages) {
        process.stdout.write((values.json ? JSON.stringify(m) : typeof m.event.value === 'string' ? m.event.value : JSON.stringify(m.event.value)) + '\n');
      }
      if (values.ack && r.messages.length > 0) await api(url, 'POST', `${path(name)}/ack`, { ackIds: r.messages.map((m) => m.ackId) });
      return 0;
    }
    default:
      throw new UsageError('subscription needs a subcommand: create, list, describe, delete or pull');
  }
}
