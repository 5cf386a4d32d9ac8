// CreateTopics v6 (key 19): the layout of v5 (the version lets the broker answer
// THROTTLING_QUOTA_EXCEEDED, KIP-599; Eddy has no quotas).

export { decodeRequest, encodeResponse, flexible } from './v5.ts';
