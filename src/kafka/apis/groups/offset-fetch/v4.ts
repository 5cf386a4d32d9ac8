// OffsetFetch v4 (key 9): the layout of v3 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v3.ts';
