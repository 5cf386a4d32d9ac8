// Fetch v6 (key 1): the layout of v5 (the version tells the client the broker may answer
// KAFKA_STORAGE_ERROR (56), KIP-112).

export { decodeRequest, encodeResponse, flexible } from './v5.ts';
