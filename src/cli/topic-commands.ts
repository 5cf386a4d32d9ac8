// `eddy topic create|list|describe|delete`: topic administration over the HTTP API.

import { api } from './client.ts';
import { UsageError } from './config.ts';
import { brokerUrl, parse } from './main.ts';
import { printTable } from './table.ts';

interface PartitionInfo {
  partition: number;
  earliestOffset: number;
  latestOffset: number;
  bytes: number;
  offline: { code: string } | null;
}
interface Topic {
  name: string;
  partitions: PartitionInfo[];
  config: Record<string, string>;
}

export async function topicCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { partitions: { type: 'string' }, config: { type: 'string', multiple: true } });
  const [sub, name] = positionals;
  const url = brokerUrl(values.url);
  const out = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  switch (sub) {
    case 'create': {
      if (!name) throw new UsageError('topic create needs a NAME');
      const config: Record<string, string> = {};
      for (const kv of values.config ?? []) {
        const i = kv.indexOf('=');
        if (i <= 0) throw new UsageError(`--config takes key=value, got "${kv}"`);
        config[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const partitions = values.partitions === undefined ? undefined : Number(values.partitions);
      if (partitions !== undefined && !Number.isInteger(partitions)) throw new UsageError('--partitions must be an integer');
      const t = await api<Topic>(url, 'POST', '/v1/topics', { name, ...(partitions !== undefined ? { partitions } : {}), config });
      if (values.json) out(t);
      else process.stdout.write(`created topic ${t.name} with ${t.partitions.length} partition(s)\n`);
      return 0;
    }
    case 'list': {
      const r = await api<{ topics: Topic[] }>(url, 'GET', '/v1/topics');
      if (values.json) out(r.topics);
      else
        printTable(
          ['TOPIC', 'PARTITIONS', 'EVENTS', 'BYTES'],
          r.topics.map((t) => [t.name, String(t.partitions.length), String(t.partitions.reduce((n, p) => n + Math.max(0, p.latestOffset - p.earliestOffset), 0)), String(t.partitions.reduce((n, p) => n + p.bytes, 0))]),
        );
      return 0;
    }
    case 'describe': {
      if (!name) throw new UsageError('topic describe needs a NAME');
      const t = await api<Topic>(url, 'GET', `/v1/topics/${encodeURIComponent(name)}`);
      if (values.json) out(t);
      else {
        printTable(
          ['PARTITION', 'EARLIEST', 'LATEST', 'BYTES', 'STATE'],
          t.partitions.map((p) => [String(p.partition), String(p.earliestOffset), String(p.latestOffset), String(p.bytes), p.offline ? `offline (${p.offline.code})` : 'online']),
        );
        process.stdout.write('\n');
        printTable(['CONFIG', 'VALUE'], Object.entries(t.config));
      }
      return 0;
    }
    case 'delete': {
      if (!name) throw new UsageError('topic delete needs a NAME');
      await api(url, 'DELETE', `/v1/topics/${encodeURIComponent(name)}`);
      if (!values.json) process.stdout.write(`deleted topic ${name}\n`);
      else out({ deleted: name });
      return 0;
    }
    default:
      throw new UsageError(`topic needs a subcommand: create, list, describe or delete`);
  }
}
