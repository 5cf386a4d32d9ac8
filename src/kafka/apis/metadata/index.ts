// Metadata (key 3), v0–v12: the handler; each version's wire layout is in ./v<N>.ts.
// The listener is the single broker, leader and controller of everything. A request naming no
// topics (an empty list in the oldest version, a null list after it) asks for all of them; a
// named unknown topic is created when the request allows it and the broker auto-creates topics.

import { EddyError } from '../../../errors.ts';
import { defineApi, KafkaError, type KafkaContext } from '../../api.ts';
import { kafkaErrorCode } from '../../errors.ts';
import { topicId } from './topic-id.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';
import * as v9 from './v9.ts';
import * as v10 from './v10.ts';
import * as v11 from './v11.ts';
import * as v12 from './v12.ts';
import { ZERO_UUID } from '../../protocol/layout.ts';

export interface MetadataRequest {
  /** Null: every topic. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export interface MetadataPartition {
  error: number;
  index: number;
}

export interface MetadataTopic {
  error: number;
  name: string;
  id: Uint8Array;
  partitions: MetadataPartition[];
}

export interface MetadataResponse {
  advertised: KafkaContext['advertised'];
  topics: MetadataTopic[];
}


export const metadata = defineApi<MetadataRequest, MetadataResponse>({
  key: 3,
  name: 'Metadata',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8, 9: v9, 10: v10, 11: v11, 12: v12 },
  async handle(req, ctx) {
    const { broker } = ctx;
    const names = req.topics ?? broker.listTopics().map((t) => t.name);
    const topics: MetadataTopic[] = [];
    for (const name of names) {
      try {
        if (!broker.hasTopic(name)) {
          if (!(req.allowAutoTopicCreation && broker.autoCreateTopics && req.topics !== null)) throw new EddyError('topic.not_found', `unknown topic ${name}`);
          try {
            await broker.createTopic(name);
          } catch (e) {
            if (!(e instanceof EddyError && e.code === 'topic.already_exists')) throw e;
          }
        }
        const d = broker.describeTopic(name);
        topics.push({
          error: KafkaError.NONE,
          name,
          id: topicId(name, d.createdMs),
          partitions: d.partitions.map((p) => ({ error: p.offline ? KafkaError.KAFKA_STORAGE_ERROR : KafkaError.NONE, index: p.partition })),
        });
      } catch (e) {
        topics.push({ error: kafkaErrorCode(e), name, id: ZERO_UUID, partitions: [] });
      }
    }
    return { advertised: ctx.advertised, topics };
  },
});
