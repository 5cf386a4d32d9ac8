// Produce v7 (key 0): the layout of v6 (the version announces zstd batches, KIP-110).

export { decodeRequest, encodeResponse, flexible } from './v6.ts';
