// SimFileIO whose writes wait while `hold` is set: an append stuck on a slow disk, for tests of what
// the layers above keep (and stop reading) while a write is in flight.

import type { FileHandle } from '../log/file-io.ts';
import { SimFileIO } from './sim-file-io.ts';

export class HeldIO extends SimFileIO {
  hold: Promise<void> | null = null;
  override async open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
    const h = await super.open(path, options);
    return {
      read: (buf, offset, length, position) => h.read(buf, offset, length, position),
      writev: async (buffers, position) => {
        while (this.hold) await this.hold;
        return h.writev(buffers, position);
      },
      datasync: () => h.datasync(),
      truncate: (length) => h.truncate(length),
      size: () => h.size(),
      close: () => h.close(),
    };
  }
}
