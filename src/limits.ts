// Named limits, units last, each with the reason for its number. Every size or count that arrives
// from outside is checked against one of these before anything is allocated for it.

export const limits = {
  /** Kafka's default message.max.bytes is ~1 MiB; we allow larger batches per topic config up to this. */
  batchBytesMax: 16 * 1024 * 1024,
  /** Default max.message.bytes of a topic (Kafka default 1048588). */
  messageBytesDefault: 1_048_588,
  /** A record batch holds at most this many records (bounds decoder allocation). */
  batchRecordsMax: 1_000_000,
  /** Headers per record: Kafka has no limit; 10k is far above any real use and bounds the decoder. */
  recordHeadersMax: 10_000,
  /** A decompressed batch may not exceed this (compression-bomb guard). */
  decompressedBytesMax: 64 * 1024 * 1024,
  /** Topic names: Kafka's limit. */
  topicNameLengthMax: 249,
  /** Partitions per topic: bounds file descriptors and memory per topic on one machine. */
  partitionsMax: 1024,
  /** Topics per broker: bounds metadata memory. */
  topicsMax: 10_000,
  /** HTTP request body: a batch of 500 x 1 KiB JSON events is ~0.6 MB; 32 MiB leaves room. */
  httpBodyBytesMax: 32 * 1024 * 1024,
  /** Events in one HTTP produce request. */
  httpEventsPerRequestMax: 10_000,
  /** Events returned by one HTTP fetch. */
  httpFetchEventsMax: 10_000,
  /** Long-poll wait for HTTP fetch / pull. */
  longPollWaitMsMax: 60_000,
  /**
   * Bytes read from the log for one HTTP fetch (the JSON answer is ~1.4× that with base64 values):
   * bounds the memory of many concurrent readers (16 readers of 8 MiB took the broker to 850 MB).
   */
  httpFetchBytesMax: 1024 * 1024,
  /** Header key/value length accepted over HTTP. */
  headerBytesMax: 64 * 1024,
  /** Record keys over HTTP. */
  keyBytesMax: 64 * 1024,
  /**
   * Newest record batches kept in memory per data directory (all partitions together), so readers at
   * the tail (SSE, WebSocket, subscriptions, Kafka fetch long polls) are answered without reading the
   * file; a batch larger than an eighth of it (64 KiB) is not kept. SDK publish -> handler at 5,000
   * events/s: broker CPU per event 164-183 -> 151-164 µs (no pread, no thread-pool round trip per
   * refill). Small on purpose: a reader at the tail needs milliseconds of it, and what it holds lives
   * through scavenges.
   */
  tailCacheBytes: 512 * 1024,
  /** Sparse index: one entry every this many bytes of log (Kafka's index.interval.bytes). */
  indexIntervalBytes: 4096,
  /** Default segment size (Kafka's segment.bytes). */
  segmentBytesDefault: 1024 * 1024 * 1024,
  /** Segment size lower bound: below it a segment rolls per batch. */
  segmentBytesMin: 1024,
  /** Appends waiting for the next group commit per partition before producers are told to back off. */
  pendingAppendsMax: 100_000,
  /** Duplicate window default (Kafka-like producer dedup for HTTP/SDK event ids). */
  duplicateWindowMsDefault: 120_000,
  /** Every topic's duplicate window drops expired ids this often, published to or not (their memory is released). */
  duplicateWindowSweepMs: 30_000,
  /** Ids remembered per topic in the duplicate window (bounds memory). */
  duplicateWindowIdsMax: 1_000_000,
  /**
   * Ids remembered by every topic's duplicate window together (~35 B per UUID id: ~70 MB): while N
   * topics hold ids each may keep 1/N of this, so memory does not grow with the number of topics.
   */
  duplicateWindowIdsTotalMax: 2_000_000,
  /** Bytes read per partition at start to refill the duplicate window (bounds restart time). */
  dedupeRebuildBytesMax: 64 * 1024 * 1024,
  /** Event id length. */
  eventIdLengthMax: 256,
} as const;
