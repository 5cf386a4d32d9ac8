// A lock file holding its owner's pid, for files and directories one process at a time may own (a
// broker's data directory, an SDK idempotency file). A lock left by a process that no longer exists
// (SIGKILL) is taken over; a live owner makes the second opener fail with the caller's error.

import { promises as fsp, readFileSync } from 'node:fs';

export interface PidLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process nobody has reaped yet (a zombie) still answers kill(0) but holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Creates `path` exclusively with this pid; `inUse(owner)` / `failed()` build the errors thrown. */
export async function acquirePidLock(path: string, errors: { inUse(ownerPid: number): Error; failed(): Error }): Promise<PidLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await fsp.open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return { release: () => fsp.unlink(path).catch(() => {}) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) throw errors.inUse(owner);
      await fsp.unlink(path).catch(() => {});
    }
  }
  throw errors.failed();
}
