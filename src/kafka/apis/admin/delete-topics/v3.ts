// DeleteTopics v3 (key 20): the layout of v2 (the version lets the broker answer
// TOPIC_DELETION_DISABLED; Eddy never does).

export { decodeRequest, encodeResponse, flexible } from './v2.ts';
