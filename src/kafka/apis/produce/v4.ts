// Produce v4 (key 0): the layout of v3. The version tells the client the broker may answer
// KAFKA_STORAGE_ERROR (56) instead of closing the connection.

export { decodeRequest, encodeResponse, flexible } from './v3.ts';
