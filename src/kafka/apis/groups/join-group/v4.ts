// JoinGroup v4 (key 11): the layout of v3. The version tells the broker the client handles
// MEMBER_ID_REQUIRED (KIP-394): a new member first gets that error with its id, and joins again with it.

import type { KafkaReader } from '../../../protocol/reader.ts';
import * as v3 from './v3.ts';
import type { JoinGroupRequest } from './index.ts';

export { encodeResponse, flexible } from './v3.ts';

export function decodeRequest(r: KafkaReader): JoinGroupRequest {
  return { ...v3.decodeRequest(r), requireKnownMemberId: true };
}
