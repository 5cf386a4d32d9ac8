// ListOffsets v5 (key 2): the layout of v4 (the version tells the client the broker may answer
// OFFSET_NOT_AVAILABLE).

export { decodeRequest, encodeResponse, flexible } from './v4.ts';
