// LeaveGroup v2 (key 13): the layout of v1 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v1.ts';
