// Runs the real `eddy start` binary as a child process on an ephemeral port and waits for its
// "listening" line; stop() sends a signal and waits for the exit. Tests stop what they start.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const eddyBin = fileURLToPath(new URL('../../bin/eddy.js', import.meta.url));

export interface ChildBroker {
  child: ChildProcess;
  url: string;
  /** host:port of the Kafka listener (bootstrap for kafkajs). */
  kafkaBootstrap(): string | null;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startChildBroker(dataDir: string, extraArgs: string[] = []): Promise<ChildBroker> {
  // EDDY_BROKER_NODE_ARGS: extra node flags for the broker (profiling a bench: --cpu-prof --cpu-prof-dir=DIR).
  const nodeArgs = process.env.EDDY_BROKER_NODE_ARGS?.split(' ').filter((a) => a.length > 0) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, eddyBin, 'start', '--data-dir', dataDir, '--http-port', '0', '--kafka-port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EDDY_FREE_BYTES_FLOOR: '0' },
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // EDDY_BROKER_LOG: the broker's stdout and stderr also go to this file (with EDDY_BROKER_NODE_ARGS=--trace-gc, say).
  const log = process.env.EDDY_BROKER_LOG;
  if (log) for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => appendFileSync(log, d));
  // 'close', not 'exit': 'exit' can come before the last of the child's output has been read, and
  // tests read output() right after stop() (a loaded machine made "shutdown failed" arrive late).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /HTTP API listening on (http:\/\/\S+)/.exec(out);
      if (m && /Kafka protocol listening/.test(out)) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`eddy start exited with ${code} before listening:\n${out}`)));
  });
  return {
    child,
    url,
    kafkaBootstrap: () => /\(bootstrap (\S+)\)/.exec(out)?.[1] ?? null,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
