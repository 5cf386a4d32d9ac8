// Named limits for subscriptions, units last, each with the reason for its number. Every value a
// client sends (create options, pull sizes, ack id lists, delays) is checked against one of these.
// Invariant: a subscription never holds more than outstandingOffsetsMax offsets per partition.

export const subscriptionLimits = {
  /** Subscriptions per broker: bounds state memory and the size of one metadata replay. */
  subscriptionsMax: 10_000,
  /** Offsets between the ack floor and the read position of one partition; reading stops when full (backpressure). */
  outstandingOffsetsMax: 10_000,
  /**
   * Bytes of records (whole, headers included) held in memory per partition of a subscription for
   * delivery and redelivery; reading stops when exceeded. 1 MiB: about a thousand 1 KiB events of
   * read-ahead (a fill of 256 KiB from the page cache takes well under a millisecond), while 16
   * windows (4 groups of a 4-partition topic) hold ~20 MB. Measured with 4 SDK groups fanning out
   * 1 KiB events: broker RSS 495 MB at 8 MiB, 264-270 at 2 MiB, 245-249 at 1 MiB, with the same
   * consume rates within the noise (at 32 MiB it went past 1 GB).
   */
  bufferedBytesMax: 1024 * 1024,
  /**
   * Bytes of records held by the windows of every subscription of the broker together: each of the
   * N windows (one per partition of each subscription) may hold windowBytesTotalMax / N, at most
   * bufferedBytesMax. 64 MiB: 64 windows at the full megabyte; 6,400 windows (100 subscriptions of
   * a 64-partition topic) at 10 KiB each instead of 6.4 GB. A window is topped up once a quarter of
   * its share is free, reading a quarter of its share from the log at a time (at least one batch).
   */
  windowBytesTotalMax: 64 * 1024 * 1024,
  /**
   * A partition's window is topped up only once this many offsets are free (or nothing is pending):
   * log reads return whole batches, so refilling a few freed offsets per pull re-decoded the same
   * batches on every pull. 10% of outstandingOffsetsMax: the window stays 90-100% full.
   */
  fillOffsetsMin: 1_000,
  /** Messages returned by one pull (Pub/Sub's maxMessages is 1000). */
  pullMessagesMax: 1000,
  /** Long-poll wait for a pull. */
  pullWaitMsMax: 60_000,
  /** Ack ids in one ack / nack / modifyAckDeadline request. */
  ackIdsPerRequestMax: 10_000,
  /** Length of one ack id: name (249) + three integers and separators. */
  ackIdLengthMax: 320,
  /** Ack deadline bounds: Pub/Sub allows 10 s..600 s; we allow down to 1 s for short jobs and tests. */
  ackDeadlineMsMin: 1_000,
  ackDeadlineMsMax: 600_000,
  /** Delivery attempts before dead-lettering (Pub/Sub allows 5..100); 0 means unlimited. */
  maxDeliveryAttemptsMax: 100,
  /** Backoff and nack delays: Pub/Sub's retry policy caps at 600 s. */
  backoffMsMax: 600_000,
  /** Backoff multiplier: above 10 the cap is reached after two attempts anyway. */
  backoffMultiplierMax: 10,
  /** A failed dead-letter publish is retried after max(backoff.maxMs, this). */
  deadLetterRetryMsMin: 1_000,
  /** Length of a nack reason stored in the `eddy.dlq.reason` header. */
  nackReasonLengthMax: 256,
  /**
   * How long an ack may ask its durable write to wait for others to share it (a WebSocket ack's
   * `lingerMs`): its answer comes that much later, at most. 1 s: ten times Pub/Sub's client
   * libraries' ack batching delay (the SDK asks for 5 ms); a held ack costs a promise until then.
   */
  ackLingerMsMax: 1_000,
  /**
   * A held ack write goes at once when this many acks wait for it: at full speed a write carries
   * enough acks that holding it would only delay the answers (which the SDK paces its acks by). 64: a
   * 5,000 events/s consumer gathers that many in ~13 ms, one at 50,000/s in ~1.3 ms.
   */
  ackLingerAcksMax: 64,
} as const;
