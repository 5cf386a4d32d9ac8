// Fetch v8 (key 1): the layout of v7 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v7.ts';
