// ListOffsets v7 (key 2): the layout of v6 (the version lets a client ask for the max timestamp,
// -3, KIP-734; Eddy answers it with UNSUPPORTED_VERSION).

export { decodeRequest, encodeResponse, flexible } from './v6.ts';
