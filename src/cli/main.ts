// The `eddy` command line. `start` runs a broker in this process; every other command talks to a
// broker over its HTTP API (--url, default http://127.0.0.1:8092). Exit codes: 0 success, 1 the
// broker refused (problem code printed), 2 usage error, 3 broker unreachable.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError, ConnectError } from './client.ts';
import { consumeCommand, produceCommand } from './io-commands.ts';
import { groupsCommand } from './group-commands.ts';
import { repairCommand } from './repair.ts';
import { startCommand } from './start.ts';
import { subscriptionCommand } from './subscription-commands.ts';
import { topicCommand } from './topic-commands.ts';
import { traceCommand } from './trace-command.ts';
import { UsageError } from './config.ts';

export const usage = `Usage: eddy <command> [options]

  start [--data-dir DIR] [--host H] [--http-port P] [--kafka-port P] [--kafka-advertised HOST:PORT] [--fsync always|interval:MS|never] [--config FILE]
  topic create NAME [--partitions N] [--config key=value ...]
  topic list | topic describe NAME | topic delete NAME
  produce TOPIC [--key K] [--partition P]          one event per stdin line (JSON lines stay JSON)
  consume TOPIC [--from-beginning] [--partition P | --group G] [--max N] [--follow] [--json]
  subscription create NAME --topic T [--ack-deadline-ms N] [--max-delivery-attempts N] [--dead-letter-topic T] [--ordered]
  subscription list | subscription describe NAME | subscription delete NAME
  subscription pull NAME [--max N] [--wait-ms N] [--ack]   print messages; --ack acknowledges them after printing
  groups [NAME]                                    consumer groups; with NAME: members, committed offsets, lag
  trace CORRELATION_ID --topic T [--topic T ...] [--max-per-topic N]   the causal chain of SDK events (who caused what)
  repair [--data-dir DIR] [--dry-run]               cut mid-log corruption out into quarantine files (broker stopped)

Common: --url URL (default http://127.0.0.1:8092, or EDDY_URL), --json for machine-readable output.
Exit codes: 0 ok, 1 refused by the broker, 2 usage error, 3 broker unreachable.`;

export const commonOptions = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<const O extends Options>(args: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: typeof commonOptions & O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function brokerUrl(flag: string | undefined): string {
  return flag ?? process.env.EDDY_URL ?? 'http://127.0.0.1:8092';
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(rest);
      case 'topic':
      case 'topics':
        return await topicCommand(rest);
      case 'produce':
        return await produceCommand(rest);
      case 'consume':
        return await consumeCommand(rest);
      case 'subscription':
      case 'subscriptions':
        return await subscriptionCommand(rest);
      case 'groups':
        return await groupsCommand(rest);
      case 'trace':
        return await traceCommand(rest);
      case 'repair':
        return await repairCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`eddy: ${e.message}\n\n${usage}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`eddy: ${e.code}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ConnectError) {
      process.stderr.write(`eddy: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
}
