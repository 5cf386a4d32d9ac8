// One broker per data directory: a `.lock` file holding the owner's pid (src/log/pid-lock.ts). A lock
// left by a process that no longer exists (SIGKILL) is taken over; a live owner makes the second
// broker fail with a clear error.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { EddyError } from '../errors.ts';
import { acquirePidLock, type PidLock } from '../log/pid-lock.ts';

export type DirLock = PidLock;

export async function acquireDirLock(dataDir: string): Promise<DirLock> {
  await fsp.mkdir(dataDir, { recursive: true });
  return acquirePidLock(join(dataDir, '.lock'), {
    inUse: (owner) => new EddyError('log.io_error', `data directory ${dataDir} is in use by process ${owner}`),
    failed: () => new EddyError('log.io_error', `cannot lock data directory ${dataDir}`),
  });
}
