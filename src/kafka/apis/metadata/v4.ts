// Metadata v4 (key 3): the client says whether the topics it names may be created.
// Request: topics nullable [name string], allow_auto_topic_creation bool
// Response: as v3.
// A topic is created only when this flag is set, the list names it and the broker auto-creates topics.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { MetadataRequest } from './index.ts';
import * as v1 from './v1.ts';

export { encodeResponse, flexible } from './v3.ts';

/** `readTopics`' list, then allow_auto_topic_creation: how every request from v4 on starts. */
export function readRequest(r: KafkaReader, readTopics: () => string[] | null): MetadataRequest {
  const topics = readTopics();
  const allowAutoTopicCreation = r.bool();
  return { topics, allowAutoTopicCreation };
}

export function decodeRequest(r: KafkaReader): MetadataRequest {
  return readRequest(r, () => v1.readTopics(r));
}
