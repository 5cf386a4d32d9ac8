// `eddy repair`: the explicit, operator-run answer to mid-log corruption. For each damaged region of
// a partition it cuts out exactly the bytes from the first bad batch to the next valid batch (or the
// end of the file), saving them in `<segment>.log.corrupt-<position>` so nothing is silently
// destroyed; the valid batches after the damage keep their offsets (the lost ones leave a gap).
// The new segment is written beside the old one, synced and renamed over it (crash-safe).

import { join } from 'node:path';
import { EddyError } from '../errors.ts';
import type { FileIO } from './file-io.ts';
import { parseSegmentNames, findValidBatchAfter, segmentFileName, Segment } from './segment.ts';

export interface RepairAction {
  file: string;
  position: number;
  removedBytes: number;
  quarantine: string;
  reason: string;
}

const REPAIRS_MAX = 1000;

async function readAll(io: FileIO, path: string): Promise<Buffer> {
  const h = await io.open(path, { create: false });
  try {
    const size = await h.size();
    const buf = Buffer.alloc(size);
    await h.read(buf, 0, size, 0);
    return buf;
  } finally {
    await h.close();
  }
}

async function writeWhole(io: FileIO, path: string, parts: Uint8Array[]): Promise<void> {
  const h = await io.open(path, { create: true });
  try {
    await h.truncate(0);
    await h.writev(parts, 0);
    await h.datasync();
  } finally {
    await h.close();
  }
}

/** Repairs one partition directory (the broker must not be running on it). */
export async function repairPartition(io: FileIO, dir: string, options: { dryRun: boolean }): Promise<RepairAction[]> {
  const actions: RepairAction[] = [];
  for (let round = 0; round < REPAIRS_MAX; round++) {
    const bases = parseSegmentNames(await io.list(dir));
    let damage: { file: string; position: number; reason: string } | null = null;
    for (let i = 0; i < bases.length && !damage; i++) {
      try {
        const r = await Segment.open(io, dir, bases[i]!, { last: i === bases.length - 1, forceScan: true });
        await r.segment.close();
      } catch (e) {
        if (!(e instanceof EddyError) || e.code !== 'log.segment_corrupt') throw e;
        damage = { file: String(e.detail?.file), position: Number(e.detail?.position), reason: String(e.detail?.reason ?? e.message) };
      }
    }
    if (!damage) return actions;
    const bytes = await readAll(io, damage.file);
    const h = await io.open(damage.file, { create: false });
    let next: number | null;
    try {
      next = await findValidBatchAfter(h, damage.position + 1, bytes.length);
    } finally {
      await h.close();
    }
    const end = next ?? bytes.length;
    const quarantine = `${damage.file}.corrupt-${damage.position}`;
    actions.push({ file: damage.file, position: damage.position, removedBytes: end - damage.position, quarantine, reason: damage.reason });
    if (options.dryRun) return actions;
    await writeWhole(io, quarantine, [bytes.subarray(damage.position, end)]);
    const tmp = `${damage.file}.repair`;
    await writeWhole(io, tmp, [bytes.subarray(0, damage.position), bytes.subarray(end)]);
    const base = Number(damage.file.slice(damage.file.lastIndexOf('/') + 1, -4));
    await io.unlink(join(dir, segmentFileName(base, '.index')));
    await io.unlink(join(dir, segmentFileName(base, '.timeindex')));
    await io.rename(tmp, damage.file);
    await io.fsyncDir(dir);
  }
  throw new EddyError('log.segment_corrupt', `more than ${REPAIRS_MAX} damaged regions in ${dir}; giving up`);
}
