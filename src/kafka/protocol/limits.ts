// Limits of the Kafka listener, each with its reason. Every count and length read from the wire is
// checked against one of these *and* against the bytes that remain before anything is allocated.

export const kafkaLimits = {
  /** Largest frame accepted (Kafka's socket.request.max.bytes is 100 MiB; our largest batch is 16 MiB). */
  frameBytesMax: 32 * 1024 * 1024,
  /** Requests decoded but not yet answered per connection; beyond it the socket stops being read. */
  inFlightRequestsMax: 64,
  /** Elements in any one array of a request (topics, partitions, members...). */
  arrayCountMax: 100_000,
  /** Strings (topic names, client ids, group ids, metadata): Kafka uses int16 lengths. */
  stringBytesMax: 32_767,
  /** Tagged fields in one tag buffer. */
  tagsMax: 64,
  /** A connection that sends nothing for this long is closed (Kafka's connections.max.idle.ms is 10 min). */
  idleTimeoutMs: 10 * 60 * 1000,
  /** A frame must arrive whole within this long once its first byte is here (slow-loris guard). */
  frameTimeoutMs: 30_000,
  /** Connections at once. */
  connectionsMax: 10_000,
  /** Longest Fetch long poll honoured. */
  fetchMaxWaitMsMax: 60_000,
} as const;
