// One broker per data directory: a `.lock` file holding the owner's pid. A lock left by a process that
// no longer exists (SIGKILL) is taken over; a live owner makes the second broker fail with a clear error.

import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EddyError } from '../errors.ts';

export interface DirLock {
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

export async function acquireDirLock(dataDir: string): Promise<DirLock> {
  await fsp.mkdir(dataDir, { recursive: true });
  const path = join(dataDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await fsp.open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return { release: () => fsp.unlink(path).catch(() => {}) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new EddyError('log.io_error', `data directory ${dataDir} is in use by process ${owner}`);
      }
      await fsp.unlink(path).catch(() => {});
    }
  }
  throw new EddyError('log.io_error', `cannot lock data directory ${dataDir}`);
}
