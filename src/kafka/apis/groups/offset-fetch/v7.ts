// OffsetFetch v7 (key 9).
// Request: group_id, topics nullable [name, partition_indexes [int32], tags], require_stable bool, tags
// Response: as v6.
// require_stable (KIP-447) is read and needs nothing: no transactional commit is ever pending.

import type { KafkaReader } from '../../../protocol/reader.ts';
import * as v6 from './v6.ts';
import type { OffsetFetchRequest } from './index.ts';

export { encodeResponse, flexible } from './v6.ts';

export function decodeRequest(r: KafkaReader): OffsetFetchRequest {
  const groupId = r.string();
  const topics = v6.readTopicsOrLibrdkafkaNull(r, 2);
  r.bool(); // require_stable
  r.tags();
  return { groups: [{ groupId, topics }], groupErrorOnPartitions: false };
}
