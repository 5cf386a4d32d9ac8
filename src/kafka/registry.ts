// The single source of the Kafka APIs and versions Eddy serves: the connection dispatches through it
// and ApiVersions advertises exactly it.

import type { AnyKafkaApi } from './api.ts';
import { adminApis } from './apis/admin-apis.ts';
import { apiVersions } from './apis/api-versions/index.ts';
import { dataApis } from './apis/data-apis.ts';
import { groupApis } from './apis/group-apis.ts';
import { metadata } from './apis/metadata/index.ts';

export const kafkaApis: AnyKafkaApi[] = [];

// Filled after the array exists: ApiVersions reads it when it handles a request.
kafkaApis.push(apiVersions, metadata, ...dataApis, ...groupApis, ...adminApis);
