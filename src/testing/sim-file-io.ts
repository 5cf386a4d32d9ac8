// SimFileIO: an in-memory FileIO that remembers what a real disk would still hold after a power loss,
// after SQLite's test6.c crash VFS. Reads see the volatile state. Each file keeps its durable bytes
// plus the writes/truncates since its last datasync; each directory its durable entries plus the
// creates/renames/unlinks since its last fsyncDir. Invariant: crash() keeps exactly the durable state
// plus a random subset of those unsynced operations (torn at sector boundaries), and kills every handle.
// Faults: failOn() makes the nth matching call throw EIO/ENOSPC the way node:fs does.

import { posix } from 'node:path';
import type { FileHandle, FileIO } from '../log/file-io.ts';
import type { RandomSource } from './random.ts';

/** The unit a disk writes atomically and tears at. */
const sectorBytesDefault = 512;
/** freeBytes() before setFreeBytes(): plenty (1 TiB). */
const freeBytesDefault = 2 ** 40;
/** Largest file: above any test segment, small enough to allocate; past it writes fail with EFBIG. */
const fileBytesMaxDefault = 2 ** 30;
/** Trace length bound; a test that needs more should clearTrace() as it goes. */
const traceEntriesMaxDefault = 1_000_000;

const errnos = {
  EBADF: [9, 'bad file descriptor'],
  EEXIST: [17, 'file already exists'],
  EFBIG: [27, 'file too large'],
  EINVAL: [22, 'invalid argument'],
  EIO: [5, 'i/o error'],
  EISDIR: [21, 'illegal operation on a directory'],
  ENOENT: [2, 'no such file or directory'],
  ENOSPC: [28, 'no space left on device'],
  ENOTDIR: [20, 'not a directory'],
  ENOTEMPTY: [39, 'directory not empty'],
} as const;
export type SimErrorCode = keyof typeof errnos;

/** An error shaped like node:fs's: message `CODE: text, syscall 'path'`, `.code`, `.errno`, `.syscall`, `.path`. */
export function fsError(code: SimErrorCode, syscall: string, path: string, dest?: string): NodeJS.ErrnoException {
  const [errno, text] = errnos[code];
  const e: NodeJS.ErrnoException = new Error(`${code}: ${text}, ${syscall} '${path}'${dest === undefined ? '' : ` -> '${dest}'`}`);
  e.code = code;
  e.errno = -errno;
  e.syscall = syscall;
  e.path = path;
  return e;
}

export const faultOps = [
  'open', 'read', 'writev', 'datasync', 'truncate', 'size', 'close',
  'readFile', 'list', 'mkdir', 'fsyncDir', 'rename', 'unlink', 'rmdir', 'freeBytes',
] as const;
export type FaultOp = (typeof faultOps)[number];
export type TraceOp = FaultOp | 'exists' | 'crash' | 'mark';

export interface FaultRule {
  op: FaultOp;
  /** Substring of the normalised path, or a predicate on it; for rename either side may match. */
  path?: string | ((path: string) => boolean);
  /** The nth matching call, counted from failOn(), is the first to fail (default 1: the next one). */
  nth?: number;
  /** How many matching calls fail from the nth on (default 1). */
  times?: number;
  /** Every matching call from the nth on fails. */
  always?: boolean;
  errno: 'EIO' | 'ENOSPC';
  /** writev only: this many leading bytes are written (unsynced, readable) before the error. */
  partialBytes?: number;
  /** datasync only ("fsyncgate"): the disk forgets the file's unsynced writes, reads still see them,
   * and a later successful datasync does not bring them back. */
  dropUnsyncedOnFail?: boolean;
}

/** A live rule: how many matching calls it has seen and failed; cancel() disarms it. */
export interface Fault {
  readonly seen: number;
  readonly fired: number;
  cancel(): void;
}

export interface TraceEntry {
  /** Order in which operations took effect (counts untraced operations too). */
  seq: number;
  op: TraceOp;
  /** Normalised path; for handle operations the path the handle was opened with; '' for crash/mark. */
  path: string;
  position?: number;
  /** writev: bytes asked; read: bytes returned; truncate: new size; datasync: size made durable. */
  length?: number;
  fd?: number;
  /** rename: the target. */
  to?: string;
  /** open: a new directory entry was made. */
  created?: boolean;
  /** The error code the call threw. */
  error?: string;
  /** mark: the test's label; crash: the mode. */
  label?: string;
}

export type CrashMode = 'drop' | 'tear' | 'keep-some' | 'keep';
export interface CrashOptions {
  random: RandomSource;
  /** Unsynced writes and truncates: 'drop' all; 'tear': each dropped, kept or torn (a sector-aligned
   * prefix kept) at random; 'keep-some': each kept or dropped; 'keep' all (a process crash). */
  unsynced: CrashMode;
  /** Unsynced directory operations: default 'keep' when unsynced is 'keep', else 'keep-some'. */
  dirOps?: 'drop' | 'keep-some' | 'keep';
  /** Survival probability of one operation under 'keep-some' (default 0.5). */
  keepProbability?: number;
}

export interface SimFileIOOptions {
  trace?: boolean;
  freeBytes?: number;
  /** When set, writes that would grow the files' total size past it write what fits, then ENOSPC. */
  capacityBytes?: number;
  sectorBytes?: number;
  fileBytesMax?: number;
  traceEntriesMax?: number;
  /** How each call yields before taking effect (default 'microtask'). */
  yieldTo?: 'microtask' | 'macrotask';
  /** When set, list() returns names shuffled with it (a real directory's order is arbitrary). */
  listOrder?: RandomSource;
}

/** A growable byte array; bytes past `length` in the buffer are always zero. */
class ByteStore {
  #buf = new Uint8Array(0);
  length = 0;
  static copyOf(src: ByteStore): ByteStore {
    const s = new ByteStore();
    s.write(0, src.view());
    return s;
  }
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }
  resize(length: number): void {
    if (length < this.length) this.#buf.fill(0, length, this.length);
    else if (length > this.#buf.length) {
      const next = new Uint8Array(Math.max(length, 2 * this.#buf.length, 64));
      next.set(this.view());
      this.#buf = next;
    }
    this.length = length;
  }
  write(position: number, bytes: Uint8Array): void {
    if (position + bytes.length > this.length) this.resize(position + bytes.length);
    this.#buf.set(bytes, position);
  }
  read(dst: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.length - position));
    dst.set(this.#buf.subarray(position, position + n), offset);
    return n;
  }
}

type FileOp = { kind: 'write'; position: number; bytes: Uint8Array } | { kind: 'truncate'; length: number };
interface FileNode {
  kind: 'file';
  data: ByteStore;
  durable: ByteStore;
  pending: FileOp[];
  /** Has a directory entry (else it lives only while handles are open). */
  linked: boolean;
  handles: number;
}
type DirOp =
  | { kind: 'link'; name: string; node: Node }
  | { kind: 'unlink'; name: string; node: Node }
  | { kind: 'rename'; from: string; to: string; node: Node };
interface DirNode {
  kind: 'dir';
  entries: Map<string, Node>;
  durable: Map<string, Node>;
  pending: DirOp[];
}
type Node = FileNode | DirNode;
interface HandleState {
  fd: number;
  path: string;
  node: FileNode;
  generation: number;
  closed: boolean;
}
interface RuleState {
  rule: FaultRule;
  nth: number;
  times: number;
  seen: number;
  fired: number;
  cancelled: boolean;
}
type Call = Omit<TraceEntry, 'seq'>;

const newFile = (): FileNode => ({ kind: 'file', data: new ByteStore(), durable: new ByteStore(), pending: [], linked: true, handles: 0 });
const newDir = (): DirNode => ({ kind: 'dir', entries: new Map(), durable: new Map(), pending: [] });
const normalize = (path: string): string => posix.resolve('/', path);
const split = (path: string): string[] => (path === '/' ? [] : path.slice(1).split('/'));
const join = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const sorted = (m: Map<string, Node>): [string, Node][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const codeOf = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'Error';
};
function checkInt(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer in [0, ${max}], got ${value}`);
}
function concat(buffers: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}
function replayDirOp(entries: Map<string, Node>, op: DirOp): void {
  if (op.kind === 'link') entries.set(op.name, op.node);
  else if (op.kind === 'unlink') {
    if (entries.get(op.name) === op.node) entries.delete(op.name);
  } else {
    if (entries.get(op.from) === op.node) entries.delete(op.from);
    entries.set(op.to, op.node);
  }
}

export class SimFileIO implements FileIO {
  #root = newDir();
  /** Bumped by crash(): handles and in-flight calls from an older generation are dead. */
  #generation = 0;
  #nextFd = 3;
  #seq = 0;
  #tracing: boolean;
  #trace: TraceEntry[] = [];
  #rules: RuleState[] = [];
  #freeBytes: number;
  #capacityBytes: number | null;
  /** Sum of the sizes of files that have an entry or an open handle. */
  #usedBytes = 0;
  readonly #sectorBytes: number;
  readonly #fileBytesMax: number;
  readonly #traceEntriesMax: number;
  readonly #yieldTo: 'microtask' | 'macrotask';
  readonly #listOrder: RandomSource | undefined;

  constructor(options: SimFileIOOptions = {}) {
    this.#tracing = options.trace ?? false;
    this.#freeBytes = options.freeBytes ?? freeBytesDefault;
    this.#capacityBytes = options.capacityBytes ?? null;
    this.#sectorBytes = options.sectorBytes ?? sectorBytesDefault;
    this.#fileBytesMax = options.fileBytesMax ?? fileBytesMaxDefault;
    this.#traceEntriesMax = options.traceEntriesMax ?? traceEntriesMaxDefault;
    this.#yieldTo = options.yieldTo ?? 'microtask';
    this.#listOrder = options.listOrder;
    checkInt('sectorBytes', this.#sectorBytes, 2 ** 20);
    if (this.#sectorBytes === 0) throw new RangeError('sectorBytes must be positive');
    checkInt('freeBytes', this.#freeBytes, Number.MAX_SAFE_INTEGER);
    if (this.#capacityBytes !== null) checkInt('capacityBytes', this.#capacityBytes, Number.MAX_SAFE_INTEGER);
    checkInt('fileBytesMax', this.#fileBytesMax, 2 ** 32);
  }

  // ---- FileIO ----

  open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
    const p = normalize(path);
    return this.#run({ op: 'open', path: p }, (call) => {
      const parts = split(p);
      let node = this.#lookup(parts, 'open', p);
      if (node?.kind === 'dir') throw fsError('EISDIR', 'open', p);
      if (node === undefined) {
        if (!options.create) throw fsError('ENOENT', 'open', p);
        const { dir, name } = this.#parent(parts, 'open', p);
        node = newFile();
        dir.entries.set(name, node);
        dir.pending.push({ kind: 'link', name, node });
        call.created = true;
      }
      node.handles++;
      const h: HandleState = { fd: this.#nextFd++, path: p, node, generation: this.#generation, closed: false };
      call.fd = h.fd;
      const handle = this.#handle(h);
      // O_DSYNC: the write, then its sync (each can fail or be cut by a crash on its own).
      if (options.dsync) {
        const writev = handle.writev.bind(handle);
        handle.writev = async (buffers, position) => {
          await writev(buffers, position);
          await handle.datasync();
        };
      }
      return handle;
    });
  }

  readFile(path: string): Promise<Uint8Array | null> {
    const p = normalize(path);
    return this.#run({ op: 'readFile', path: p }, (call) => {
      const node = this.#lookup(split(p), 'open', p);
      if (node === undefined) return null;
      if (node.kind === 'dir') throw fsError('EISDIR', 'read', p);
      call.length = node.data.length;
      return node.data.view().slice();
    });
  }

  list(dir: string): Promise<string[]> {
    const p = normalize(dir);
    return this.#run({ op: 'list', path: p }, () => {
      const node = this.#lookup(split(p), 'scandir', p);
      if (node === undefined) return [];
      if (node.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', p);
      const names = [...node.entries.keys()].sort();
      const r = this.#listOrder;
      for (let i = names.length - 1; r && i > 0; i--) {
        const j = r.int(0, i + 1);
        [names[i], names[j]] = [names[j] as string, names[i] as string];
      }
      return names;
    });
  }

  mkdir(dir: string): Promise<void> {
    const p = normalize(dir);
    return this.#run({ op: 'mkdir', path: p }, () => {
      let node: Node = this.#root;
      for (const name of split(p)) {
        if (node.kind !== 'dir') throw fsError('ENOTDIR', 'mkdir', p);
        let next = node.entries.get(name);
        if (next === undefined) {
          next = newDir();
          node.entries.set(name, next);
          node.pending.push({ kind: 'link', name, node: next });
        }
        node = next;
      }
      if (node.kind !== 'dir') throw fsError('EEXIST', 'mkdir', p);
    });
  }

  /** Unlike the real call (which fsyncs whatever it opens), a file path throws ENOTDIR: it is a caller bug. */
  fsyncDir(dir: string): Promise<void> {
    const p = normalize(dir);
    return this.#run({ op: 'fsyncDir', path: p }, () => {
      const node = this.#lookup(split(p), 'open', p);
      if (node === undefined) throw fsError('ENOENT', 'open', p);
      if (node.kind !== 'dir') throw fsError('ENOTDIR', 'fsync', p);
      node.durable = new Map(node.entries);
      node.pending = [];
    });
  }

  rename(from: string, to: string): Promise<void> {
    const pf = normalize(from);
    const pt = normalize(to);
    return this.#run({ op: 'rename', path: pf, to: pt }, () => this.#rename(pf, pt));
  }

  unlink(path: string): Promise<void> {
    const p = normalize(path);
    return this.#run({ op: 'unlink', path: p }, () => {
      const parts = split(p);
      const node = this.#lookup(parts, 'unlink', p);
      if (node === undefined) return;
      if (node.kind === 'dir') throw fsError('EISDIR', 'unlink', p);
      const { dir, name } = this.#parent(parts, 'unlink', p);
      dir.entries.delete(name);
      dir.pending.push({ kind: 'unlink', name, node });
      this.#detach(node);
    });
  }

  rmdir(dir: string): Promise<void> {
    const p = normalize(dir);
    return this.#run({ op: 'rmdir', path: p }, () => {
      const parts = split(p);
      if (parts.length === 0) throw fsError('EINVAL', 'rm', p);
      const node = this.#lookup(parts, 'rm', p);
      if (node === undefined) return;
      const { dir: parent, name } = this.#parent(parts, 'rm', p);
      parent.entries.delete(name);
      parent.pending.push({ kind: 'unlink', name, node });
      this.#detach(node);
    });
  }

  exists(path: string): Promise<boolean> {
    const p = normalize(path);
    return this.#run({ op: 'exists', path: p }, () => {
      try {
        return this.#lookup(split(p), 'access', p) !== undefined;
      } catch {
        return false;
      }
    });
  }

  freeBytes(path: string): Promise<number> {
    const p = normalize(path);
    return this.#run({ op: 'freeBytes', path: p }, () => {
      if (this.#lookup(split(p), 'statfs', p) === undefined) throw fsError('ENOENT', 'statfs', p);
      return this.#free();
    });
  }

  // ---- crash, faults, trace ----

  /** Power loss: see CrashOptions. Every handle and every call still in flight fails from now on. */
  crash(options: CrashOptions): void {
    const dirMode = options.dirOps ?? (options.unsynced === 'keep' ? 'keep' : 'keep-some');
    const p = options.keepProbability ?? 0.5;
    const keep = (mode: 'drop' | 'keep-some' | 'keep'): boolean => (mode === 'keep-some' ? options.random.bool(p) : mode === 'keep');
    this.#generation++;
    this.#usedBytes = 0;
    const seen = new Set<Node>([this.#root]);
    const visit = (dir: DirNode): void => {
      const entries = new Map(dir.durable);
      for (const op of dir.pending) if (keep(dirMode)) replayDirOp(entries, op);
      const survivors = new Map<string, Node>();
      for (const [name, child] of sorted(entries)) {
        if (seen.has(child)) continue; // a cross-directory rename kept in both directories
        seen.add(child);
        survivors.set(name, child);
        if (child.kind === 'dir') visit(child);
        else this.#crashFile(child, options.unsynced, () => keep(options.unsynced === 'keep' ? 'keep' : 'keep-some'), options.random);
      }
      dir.entries = survivors;
      dir.durable = new Map(survivors);
      dir.pending = [];
    };
    visit(this.#root);
    this.#record({ op: 'crash', path: '', label: options.unsynced });
  }

  /** Arms a fault rule; matching calls are counted from now. */
  failOn(rule: FaultRule): Fault {
    const nth = rule.nth ?? 1;
    const times = rule.always ? Infinity : (rule.times ?? 1);
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError(`nth must be an integer >= 1, got ${nth}`);
    if (times !== Infinity && (!Number.isInteger(times) || times < 1)) throw new RangeError(`times must be an integer >= 1, got ${times}`);
    if (rule.partialBytes !== undefined && rule.op !== 'writev') throw new TypeError('partialBytes applies to writev only');
    if (rule.dropUnsyncedOnFail && rule.op !== 'datasync') throw new TypeError('dropUnsyncedOnFail applies to datasync only');
    const state: RuleState = { rule, nth, times, seen: 0, fired: 0, cancelled: false };
    this.#rules.push(state);
    return {
      get seen() {
        return state.seen;
      },
      get fired() {
        return state.fired;
      },
      cancel: () => {
        state.cancelled = true;
        this.#rules = this.#rules.filter((r) => r !== state);
      },
    };
  }

  clearFaults(): void {
    for (const r of this.#rules) r.cancelled = true;
    this.#rules = [];
  }

  get trace(): readonly TraceEntry[] {
    return this.#trace;
  }
  enableTrace(on = true): void {
    this.#tracing = on;
  }
  clearTrace(): void {
    this.#trace = [];
  }
  /** Adds the test's own entry (e.g. 'ack 17') to the trace, between the operations around it. */
  mark(label: string): void {
    this.#record({ op: 'mark', path: '', label });
  }

  // ---- space ----

  setFreeBytes(bytes: number): void {
    checkInt('freeBytes', bytes, Number.MAX_SAFE_INTEGER);
    this.#freeBytes = bytes;
  }
  setCapacityBytes(bytes: number | null): void {
    if (bytes !== null) checkInt('capacityBytes', bytes, Number.MAX_SAFE_INTEGER);
    this.#capacityBytes = bytes;
  }
  get usedBytes(): number {
    return this.#usedBytes;
  }

  // ---- inspection and direct damage (synchronous, untraced, never fail by rule) ----

  /** Every file as reads see it now: path -> copy of its bytes. */
  snapshot(): Map<string, Uint8Array> {
    return this.#files(false);
  }
  /** What a crash dropping every unsynced operation would leave. */
  durableSnapshot(): Map<string, Uint8Array> {
    return this.#files(true);
  }
  /** Damages bytes on the disk and in the cache alike: `mutate` maps the byte at `position`, or its
   * bytes overwrite from `position`. Unsynced writes over the spot still win if a crash keeps them. */
  corrupt(path: string, position: number, mutate: ((byte: number) => number) | Uint8Array): void {
    const node = this.#fileAt(path);
    const bytes = mutate instanceof Uint8Array ? mutate : new Uint8Array(1);
    if (!Number.isSafeInteger(position) || position < 0 || position + bytes.length > node.data.length) {
      throw new RangeError(`corrupt: [${position}, +${bytes.length}) is outside ${path} (${node.data.length} bytes)`);
    }
    for (const store of [node.data, node.durable]) {
      const view = store.view();
      if (typeof mutate === 'function') {
        if (position < view.length) view[position] = mutate(view[position] as number) & 0xff;
      } else if (position < view.length) view.set(bytes.subarray(0, view.length - position), position);
    }
  }
  /** Cuts (or zero-extends) a file on the disk and in the cache alike, as if truncated and synced. */
  truncateDurable(path: string, length: number): void {
    checkInt('length', length, this.#fileBytesMax);
    const node = this.#fileAt(path);
    this.#usedBytes += length - node.data.length;
    node.data.resize(length);
    node.durable.resize(length);
  }

  // ---- internals ----

  #yield(): Promise<void> {
    return this.#yieldTo === 'macrotask' ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
  }

  /** Yields, then takes effect: checks the handle or generation, applies a matching fault, else `body`. */
  async #run<T>(call: Call, body: (call: Call) => T, h?: HandleState, onFault?: (rule: FaultRule) => void): Promise<T> {
    const generation = this.#generation;
    await this.#yield();
    if (this.#tracing && this.#trace.length >= this.#traceEntriesMax) {
      throw new Error(`SimFileIO trace is full (${this.#traceEntriesMax} entries); clearTrace() as the test goes`);
    }
    try {
      if (h && (h.generation !== this.#generation || (h.closed && call.op !== 'close'))) throw fsError('EBADF', call.op, call.path);
      if (!h && generation !== this.#generation) throw fsError('EIO', call.op, call.path); // in flight at the crash
      const rule = this.#matchFault(call);
      if (rule) {
        onFault?.(rule);
        throw fsError(rule.errno, call.op, call.path, call.to);
      }
      const result = body(call);
      this.#record(call);
      return result;
    } catch (e) {
      this.#record({ ...call, error: codeOf(e) });
      throw e;
    }
  }

  #record(call: Call): void {
    const seq = this.#seq++;
    if (this.#tracing) this.#trace.push({ seq, ...call });
  }

  #matchFault(call: Call): FaultRule | undefined {
    let hit: RuleState | undefined;
    for (const r of this.#rules) {
      if (r.cancelled || r.rule.op !== call.op) continue;
      const want = r.rule.path;
      const paths = call.to === undefined ? [call.path] : [call.path, call.to];
      if (want !== undefined && !paths.some((p) => (typeof want === 'string' ? p.includes(want) : want(p)))) continue;
      r.seen++;
      if (hit === undefined && r.seen >= r.nth && r.fired < r.times) hit = r;
    }
    if (hit) hit.fired++;
    return hit?.rule;
  }

  #handle(h: HandleState): FileHandle {
    const call = (op: FaultOp, extra: Partial<Call> = {}): Call => ({ op, path: h.path, fd: h.fd, ...extra });
    return {
      read: (buf, offset, length, position) =>
        this.#run(call('read', { position }), (c) => {
          checkInt('offset', offset, buf.byteLength);
          checkInt('length', length, buf.byteLength - offset);
          checkInt('position', position, Number.MAX_SAFE_INTEGER);
          c.length = h.node.data.read(buf, offset, length, position);
          return c.length;
        }, h),
      writev: (buffers, position) => {
        const length = buffers.reduce((n, b) => n + b.byteLength, 0);
        return this.#run(call('writev', { position, length }), () => this.#write(h, concat(buffers), position), h, (rule) => {
          const partial = Math.min(rule.partialBytes ?? 0, length);
          if (partial > 0) this.#write(h, concat(buffers).subarray(0, partial), position);
        });
      },
      datasync: () =>
        this.#run(call('datasync'), (c) => {
          this.#sync(h.node);
          c.length = h.node.durable.length;
        }, h, (rule) => {
          if (rule.dropUnsyncedOnFail) h.node.pending = [];
        }),
      truncate: (length) =>
        this.#run(call('truncate', { length }), () => {
          checkInt('length', length, this.#fileBytesMax);
          // Growing by truncate makes a sparse file: it never fails with ENOSPC, as on a real disk.
          this.#usedBytes += length - h.node.data.length;
          h.node.data.resize(length);
          h.node.pending.push({ kind: 'truncate', length });
        }, h),
      size: () => this.#run(call('size'), () => h.node.data.length, h),
      close: () => {
        const close = (): void => {
          if (h.closed) return;
          h.closed = true;
          h.node.handles--;
          this.#release(h.node);
        };
        return this.#run(call('close'), close, h, close);
      },
    };
  }

  #write(h: HandleState, bytes: Uint8Array, position: number): void {
    checkInt('position', position, Number.MAX_SAFE_INTEGER);
    if (position + bytes.length > this.#fileBytesMax) throw fsError('EFBIG', 'write', h.path);
    const node = h.node;
    let n = bytes.length;
    const growth = Math.max(0, position + n - node.data.length);
    const room = this.#capacityBytes === null ? Infinity : this.#capacityBytes - this.#usedBytes;
    if (growth > room) n = Math.max(0, Math.min(n, node.data.length + room - position));
    if (n > 0) {
      const written = bytes.subarray(0, n);
      const before = node.data.length;
      node.data.write(position, written);
      this.#usedBytes += node.data.length - before;
      node.pending.push({ kind: 'write', position, bytes: written });
    }
    if (n < bytes.length) throw fsError('ENOSPC', 'write', h.path);
  }

  #sync(node: FileNode): void {
    for (const op of node.pending) {
      if (op.kind === 'write') node.durable.write(op.position, op.bytes);
      else node.durable.resize(op.length);
    }
    node.pending = [];
  }

  #crashFile(node: FileNode, mode: CrashMode, keep: () => boolean, random: RandomSource): void {
    for (const op of node.pending) {
      if (op.kind === 'truncate') {
        if (mode !== 'drop' && keep()) node.durable.resize(op.length);
        continue;
      }
      const fate = mode === 'tear' ? random.int(0, 3) : mode === 'drop' ? 0 : keep() ? 1 : 0; // 0 drop, 1 keep, 2 tear
      if (fate === 1) node.durable.write(op.position, op.bytes);
      if (fate !== 2) continue;
      const s = this.#sectorBytes;
      const end = op.position + op.bytes.length;
      const first = Math.floor(op.position / s) + 1;
      const last = Math.ceil(end / s) - 1; // sector boundaries strictly inside the write
      if (first > last) continue; // within one sector: atomic, so dropped
      const cut = random.int(first, last + 1) * s;
      node.durable.write(op.position, op.bytes.subarray(0, cut - op.position));
    }
    node.pending = [];
    node.data = ByteStore.copyOf(node.durable);
    node.linked = true;
    node.handles = 0;
    this.#usedBytes += node.data.length;
  }

  #rename(pf: string, pt: string): void {
    const fromParts = split(pf);
    const toParts = split(pt);
    const node = this.#lookup(fromParts, 'rename', pf);
    if (node === undefined) throw fsError('ENOENT', 'rename', pf, pt);
    if (fromParts.length === 0 || toParts.length === 0) throw fsError('EINVAL', 'rename', pf, pt);
    const src = this.#parent(fromParts, 'rename', pf);
    const dst = this.#parent(toParts, 'rename', pt);
    const existing = dst.dir.entries.get(dst.name);
    if (existing === node) return;
    if (node.kind === 'dir') {
      if (pt.startsWith(`${pf}/`)) throw fsError('EINVAL', 'rename', pf, pt);
      if (existing?.kind === 'file') throw fsError('ENOTDIR', 'rename', pf, pt);
      if (existing?.kind === 'dir' && existing.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', pf, pt);
    } else if (existing?.kind === 'dir') throw fsError('EISDIR', 'rename', pf, pt);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    if (src.dir === dst.dir) src.dir.pending.push({ kind: 'rename', from: src.name, to: dst.name, node });
    else {
      // Two directories, two durability points: until both are fsynced a crash may keep either half.
      src.dir.pending.push({ kind: 'unlink', name: src.name, node });
      dst.dir.pending.push({ kind: 'link', name: dst.name, node });
    }
    if (existing) this.#detach(existing);
  }

  /** A node lost its entry: a file is freed once its handles close; a directory's entries are each
   * unlinked (an unsynced operation of their own), like rm -r. */
  #detach(node: Node): void {
    if (node.kind === 'file') {
      node.linked = false;
      this.#release(node);
      return;
    }
    for (const [name, child] of sorted(node.entries)) {
      node.pending.push({ kind: 'unlink', name, node: child });
      this.#detach(child);
    }
    node.entries.clear();
  }

  #release(node: FileNode): void {
    if (!node.linked && node.handles === 0) this.#usedBytes -= node.data.length;
  }

  #free(): number {
    const room = this.#capacityBytes === null ? Infinity : Math.max(0, this.#capacityBytes - this.#usedBytes);
    return Math.min(this.#freeBytes, room);
  }

  /** The node at `parts`, or undefined; ENOTDIR when a component on the way is a file. */
  #lookup(parts: readonly string[], syscall: string, path: string): Node | undefined {
    let node: Node = this.#root;
    for (const name of parts) {
      if (node.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
      const next: Node | undefined = node.entries.get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  #parent(parts: readonly string[], syscall: string, path: string): { dir: DirNode; name: string } {
    const name = parts.at(-1);
    if (name === undefined) throw fsError('EINVAL', syscall, path);
    const dir = this.#lookup(parts.slice(0, -1), syscall, path);
    if (dir === undefined) throw fsError('ENOENT', syscall, path);
    if (dir.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
    return { dir, name };
  }

  #fileAt(path: string): FileNode {
    const p = normalize(path);
    const node = this.#lookup(split(p), 'open', p);
    if (node === undefined) throw fsError('ENOENT', 'open', p);
    if (node.kind !== 'file') throw fsError('EISDIR', 'open', p);
    return node;
  }

  #files(durable: boolean): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const seen = new Set<Node>([this.#root]); // stale durable entries can form cycles across directories
    const visit = (dir: DirNode, path: string): void => {
      for (const [name, child] of sorted(durable ? dir.durable : dir.entries)) {
        if (seen.has(child)) continue;
        seen.add(child);
        if (child.kind === 'dir') visit(child, join(path, name));
        else out.set(join(path, name), (durable ? child.durable : child.data).view().slice());
      }
    };
    visit(this.#root, '/');
    return out;
  }
}
