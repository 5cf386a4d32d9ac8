// CreateTopics v4 (key 19): the layout of v3 (the version lets num_partitions and replication_factor
// be -1 without assignments, KIP-464; Eddy accepts that in every version).

export { decodeRequest, encodeResponse, flexible } from './v3.ts';
