// Metadata v6 (key 3): the layout of v5 (the version marks the throttling change of KIP-219).

export { decodeRequest, encodeResponse, flexible } from './v5.ts';
