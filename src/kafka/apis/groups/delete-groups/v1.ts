// DeleteGroups v1 (key 42): the layout of v0 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v0.ts';
