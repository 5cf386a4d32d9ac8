// Fetch v10 (key 1): the layout of v9 (the version announces zstd batches, KIP-110).

export { decodeRequest, encodeResponse, flexible } from './v9.ts';
