// RabbitMQ (Debian's rabbitmq-server package) as a private node: everything (Mnesia, quorum-queue
// and stream data, logs, config, Erlang cookie) under the data directory, AMQP and Erlang
// distribution on free loopback ports, and its own epmd on a free port (started here in the
// foreground, so it is ours to stop). No plugins (management off). Debian's /usr/sbin wrapper
// would `su rabbitmq`; the scripts under /usr/lib/rabbitmq/bin are run directly, as root, with
// RABBITMQ_ALLOW_INPUT set so the script `exec`s the VM (erl → erlexec → beam.smp keep the PID):
// the spawned child *is* the broker, and SIGTERM stops it gracefully (RabbitMQ's own handler).
// Queue types and their durability are chosen by the clients (clients/amqp-*.ts).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, spawnServer, waitForPort } from '../proc.ts';
import type { ServerSpec } from '../types.ts';

const bin = '/usr/lib/rabbitmq/bin';

export function rabbitmq(): ServerSpec {
  const version = () => /rabbitmq_server-([\d.]+)/.exec(readlinkSafe(`${bin}/rabbitmq-server`))?.[1] ?? dpkgVersion();
  return {
    id: 'rabbitmq',
    describe: `RabbitMQ ${version()} (Erlang/OTP ${otpRelease()}), single node, AMQP 0-9-1 with publisher confirms: amqp-quorum = quorum queues (confirm after the Raft WAL fsync), amqp-stream = a stream queue (confirm after write(), no fsync)`,
    packages: ['rabbitmq-server'],
    version,
    async start(dataDir) {
      const [amqpPort, distPort, epmdPort, ctlPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const node = `bench-${amqpPort}@localhost`;
      for (const d of ['mnesia', 'log']) mkdirSync(join(dataDir, d), { recursive: true });
      const cookie = join(dataDir, '.erlang.cookie');
      writeFileSync(cookie, randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
      writeFileSync(join(dataDir, 'enabled_plugins'), '[].\n');
      writeFileSync(join(dataDir, 'rabbitmq-env.conf'), '');
      writeFileSync(join(dataDir, 'rabbitmq.conf'), 'loopback_users = none\n');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: dataDir, // ~/.erlang.cookie: the node's and rabbitmqctl's
        RABBITMQ_CONF_ENV_FILE: join(dataDir, 'rabbitmq-env.conf'), // not /etc/rabbitmq's
        RABBITMQ_CONFIG_FILE: join(dataDir, 'rabbitmq.conf'),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(dataDir, 'advanced.config'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dataDir, 'enabled_plugins'),
        RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dataDir, 'log'),
        RABBITMQ_PID_FILE: join(dataDir, 'rabbit.pid'),
        RABBITMQ_NODENAME: node,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(amqpPort),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_CTL_DIST_PORT_MIN: String(ctlPort),
        RABBITMQ_CTL_DIST_PORT_MAX: String(ctlPort),
        ERL_EPMD_PORT: String(epmdPort),
        ERL_EPMD_ADDRESS: '127.0.0.1',
        // `exec` the VM instead of running it under a signal-forwarding shell; input stays off.
        RABBITMQ_ALLOW_INPUT: '1',
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-noinput -kernel inet_dist_use_interface {127,0,0,1}',
      };
      delete env.RABBITMQ_ENABLED_PLUGINS;
      delete env.NOTIFY_SOCKET;

      // Our own epmd, in the foreground: the node registers with it instead of starting a daemon.
      const epmd = spawnServer('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { env });
      try {
        await waitForPort(epmdPort, 10_000, epmd.child, epmd.output);
      } catch (err) {
        await epmd.stop(2_000);
        throw err;
      }

      const server = spawnServer(`${bin}/rabbitmq-server`, [], { env, cwd: dataDir });
      const output = () => `${server.output()}\n${tail(join(dataDir, 'log', `${node}.log`))}`;
      const stop = async () => {
        await server.stop(60_000);
        await epmd.stop(5_000);
      };
      try {
        await waitForPort(amqpPort, 120_000, server.child, output);
        // The AMQP listener opens late in boot; await_startup confirms the boot has finished.
        const r = spawnSync(`${bin}/rabbitmqctl`, ['-n', node, 'await_startup', '--timeout', '120'], { env, encoding: 'utf8', timeout: 150_000 });
        if (r.status !== 0) throw new Error(`rabbitmqctl await_startup failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}\n${output()}`);
        const pid = server.child.pid!;
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        if (!comm.startsWith('beam')) throw new Error(`expected the spawned rabbitmq-server to exec beam.smp, found ${comm} (PID ${pid})`);
        return { pid, connection: { port: amqpPort }, stop };
      } catch (err) {
        await stop();
        throw err;
      }
    },
  };
}

function readlinkSafe(path: string): string {
  const r = spawnSync('readlink', ['-f', path], { encoding: 'utf8' });
  return r.stdout ?? '';
}

function dpkgVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'rabbitmq-server'], { encoding: 'utf8' });
  return /^([\d.]+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}

function otpRelease(): string {
  const dir = '/usr/lib/erlang/releases';
  if (!existsSync(dir)) return 'unknown';
  for (const r of readdirSync(dir)) {
    const f = join(dir, r, 'OTP_VERSION');
    if (existsSync(f)) return readFileSync(f, 'utf8').trim();
  }
  return 'unknown';
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-8192);
  } catch {
    return '';
  }
}
