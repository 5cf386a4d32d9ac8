// `eddy start`: runs a broker in this process until SIGTERM or SIGINT, then shuts down cleanly
// (stop accepting, finish in-flight requests, fdatasync and index every partition, release the lock).

import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { startBroker } from '../server.ts';
import { resolveStartSettings, toStartOptions, UsageError } from './config.ts';
import { parse, usage } from './main.ts';

export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    'http-port': { type: 'string' },
    'kafka-port': { type: 'string' },
    'kafka-advertised': { type: 'string' },
    fsync: { type: 'string' },
    config: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const settings = resolveStartSettings(
    {
      dataDir: values['data-dir'],
      host: values.host,
      httpPort: values['http-port'],
      kafkaPort: values['kafka-port'],
      kafkaAdvertised: values['kafka-advertised'],
      fsync: values.fsync,
    },
    process.env,
    values.config,
  );
  const log = (msg: string) => process.stdout.write(msg + '\n');
  boundHeapGrowth(process.execArgv);
  const options = toStartOptions(settings);
  // A Kafka connection the broker closes for what its client sent (a malformed or unsupported
  // request, a frame too large or too slow) is named on stderr, at most protocolErrorLinesPerSecond
  // lines a second (a client reconnecting in a loop must not flood the log; the rest are counted).
  const protocolErrors = rateLimitedLines(protocolErrorLinesPerSecond, (line) => process.stderr.write(`${line}\n`));
  if (options.kafka) options.kafka.onProtocolError = (reason, remote) => protocolErrors(`eddy: closed Kafka connection from ${remote}: ${reason}`);
  const running = await startBroker({
    ...options,
    onLogEvent: (e) => {
      if (e.type === 'partition_offline') process.stderr.write(`eddy: partition ${e.partition} offline: ${e.error.message}\n`);
      else if (e.type === 'dir_failed') process.stderr.write(`eddy: data directory failed: ${e.error.message}\n`);
      else if (e.type === 'partition_recovered') log(`recovered ${e.partition}: scanned ${e.scannedSegments} segment(s), truncated ${e.truncatedBytes} byte(s) of torn tail`);
      else if (e.type === 'disk_full') process.stderr.write(`eddy: free disk space ${e.freeBytes} B is below the floor; produce refused\n`);
      else if (e.type === 'disk_ok') log(`free disk space back above the floor; produce accepted`);
    },
  });
  // The signal handlers go in before the "listening" lines: a supervisor (or a test) that sends
  // SIGTERM as soon as it reads them must get a clean shutdown, not the default action (killed).
  let shutdownFailed = false;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (signal: string) => {
    log(`${signal}: shutting down`);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    running.close().then(stopped, (e) => {
      process.stderr.write(`eddy: shutdown failed: ${(e as Error).message}\n`);
      shutdownFailed = true;
      stopped();
    });
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  log(`eddy ${process.env.npm_package_version ?? ''}`.trim() + ` pid ${process.pid}`);
  log(`data directory ${resolve(settings.dataDir)} (fsync=${settings.fsync})`);
  log(`HTTP API listening on ${running.http.url}`);
  if (running.kafka) log(`Kafka protocol listening on ${running.kafka.host}:${running.kafka.port} (bootstrap ${running.kafka.bootstrap})`);
  for (const p of running.broker.health().offlinePartitions) process.stderr.write(`eddy: partition ${p} is offline (run eddy repair)\n`);
  await done;
  if (shutdownFailed) return 1; // reported above: not "stopped cleanly"
  log('stopped cleanly');
  return 0;
}

/**
 * Lets V8's old generation grow to twice what survived the last full collection before collecting
 * again (--heap-growing-percent=100), unless node was started with its own setting. V8's default
 * factor goes up to 4; a broker's live heap is small (tens of MB) and its short-lived garbage large
 * (request bodies, delivered messages), so that headroom was most of its RSS: 25-30% less RSS at the
 * same CPU per event, measured in BENCHMARKS.md. Only `eddy start`: an embedded broker leaves its
 * host's heap alone. Returns whether the flag was set.
 */
export function boundHeapGrowth(execArgv: readonly string[]): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString('--heap-growing-percent=100');
  return true;
}

/** Protocol-error lines written per second at most (see rateLimitedLines). */
const protocolErrorLinesPerSecond = 10;

/**
 * Writes lines through `write`, at most `perSecond` in each second of wall-clock time; the lines
 * dropped in a second are counted in one line when the next one is written.
 */
export function rateLimitedLines(perSecond: number, write: (line: string) => void, now: () => number = Date.now): (line: string) => void {
  let second = -1;
  let written = 0;
  let dropped = 0;
  return (line) => {
    const s = Math.floor(now() / 1000);
    if (s !== second) {
      if (dropped > 0) write(`eddy: ${dropped} more such line(s) not written`);
      second = s;
      written = 0;
      dropped = 0;
    }
    if (written < perSecond) {
      written++;
      write(line);
    } else dropped++;
  };
}
