// InitProducerId v4 (key 22): the layout of v3 (the version tells the client the broker may answer
// PRODUCER_FENCED, KIP-588).

export { decodeRequest, encodeResponse, flexible } from './v3.ts';
