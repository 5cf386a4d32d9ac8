// Metadata v12 (key 3): the layout of v11 but a response topic's name is compact_nullable_string;
// Eddy always names its topics, and a non-null one is the bytes of a compact_string: v11 serves.

export { decodeRequest, encodeResponse, flexible } from './v11.ts';
