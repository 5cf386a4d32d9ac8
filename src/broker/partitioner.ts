// Kafka's default partitioner: murmur2 of the key bytes, made positive, modulo the partition count,
// exactly as the Java client and kafkajs's DefaultPartitioner compute it, so a key lands on the same
// partition whichever client or front end produced it. Keyless events stick to one partition per
// request and move round robin between requests (the sticky partitioner's idea).

const SEED = 0x9747b28c | 0;
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2`, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}

/** Round robin over partitions for keyless events, one step per call (per request). */
export class StickyPartitioner {
  #next = 0;
  nextPartition(partitionCount: number): number {
    const p = this.#next % partitionCount;
    this.#next = (this.#next + 1) % 1_000_000_007;
    return p;
  }
}
