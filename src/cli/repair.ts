// `eddy repair --data-dir DIR [--dry-run]`: finds partitions with mid-log corruption (which the broker
// keeps offline) and cuts the damaged bytes out into quarantine files. Run it with the broker stopped.

import { join } from 'node:path';
import { acquireDirLock } from '../broker/dir-lock.ts';
import { NodeFileIO } from '../log/node-file-io.ts';
import { repairPartition } from '../log/repair.ts';
import { UsageError } from './config.ts';
import { parse } from './main.ts';

export async function repairCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { 'data-dir': { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const dataDir = values['data-dir'] ?? process.env.EDDY_DATA_DIR ?? './.eddy';
  const io = new NodeFileIO();
  if (!(await io.exists(dataDir))) throw new UsageError(`no data directory at ${dataDir}`);
  const lock = await acquireDirLock(dataDir);
  try {
    const names = (await io.list(dataDir)).filter((n) => /^.+-\d+$/.test(n)).sort();
    const all = [];
    for (const name of names) {
      const actions = await repairPartition(io, join(dataDir, name), { dryRun: values['dry-run'] === true });
      for (const a of actions) all.push({ partition: name, ...a });
    }
    if (values.json) process.stdout.write(JSON.stringify({ dryRun: values['dry-run'] === true, repairs: all }) + '\n');
    else if (all.length === 0) process.stdout.write(`no corruption found in ${names.length} partition(s)\n`);
    else
      for (const a of all) {
        process.stdout.write(`${values['dry-run'] ? 'would cut' : 'cut'} ${a.removedBytes} byte(s) at ${a.file}:${a.position} (${a.reason})${values['dry-run'] ? '' : ` -> ${a.quarantine}`}\n`);
      }
    return 0;
  } finally {
    await lock.release();
  }
}
