// CreateTopics v3 (key 19): the layout of v2 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v2.ts';
