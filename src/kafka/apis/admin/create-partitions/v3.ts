// CreatePartitions v3 (key 37): the layout of v2 (the version lets the broker answer
// THROTTLING_QUOTA_EXCEEDED, KIP-599; Eddy has no quotas).

export { decodeRequest, encodeResponse, flexible } from './v2.ts';
