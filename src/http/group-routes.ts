// Consumer-group membership and offset commits over HTTP: a member joins (the request returns when
// the rebalance completes, with its partitions), heartbeats, commits and leaves, on the same
// coordinator Kafka clients use. Every body field is validated against its bounds.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Broker } from '../broker/broker.ts';
import { joinNative } from '../broker/native-members.ts';
import { EddyError } from '../errors.ts';

type Params = { group: string; member: string };

const SESSION_MS_MIN = 6_000;
const SESSION_MS_MAX = 300_000;
const TOPICS_MAX = 100;
const OFFSETS_MAX = 10_000;

function obj(v: unknown, shape: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new EddyError('request.invalid', `body must be ${shape}`);
  return v as Record<string, unknown>;
}

function int(v: unknown, name: string, min: number, max: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new EddyError('request.invalid', `${name} must be an integer in [${min}, ${max}]`);
  return v;
}

function groupId(g: string): string {
  if (g.length === 0 || g.length > 255) throw new EddyError('group.invalid_name', 'group id must be 1..255 characters');
  return g;
}

export function registerGroupRoutes(app: FastifyInstance, broker: Broker): void {
  app.post('/v1/groups/:group/members', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = obj(req.body, '{"topics": [...], "sessionTimeoutMs"?, "rebalanceTimeoutMs"?, "assignor"?, "memberId"?}');
    if (!Array.isArray(b.topics) || b.topics.length === 0 || b.topics.length > TOPICS_MAX || !b.topics.every((t) => typeof t === 'string')) {
      throw new EddyError('request.invalid', `topics must be 1..${TOPICS_MAX} topic names`);
    }
    const sessionTimeoutMs = int(b.sessionTimeoutMs, 'sessionTimeoutMs', SESSION_MS_MIN, SESSION_MS_MAX, 30_000);
    const rebalanceTimeoutMs = int(b.rebalanceTimeoutMs, 'rebalanceTimeoutMs', 1_000, SESSION_MS_MAX, sessionTimeoutMs);
    const assignor = b.assignor ?? 'range';
    if (assignor !== 'range' && assignor !== 'roundrobin') throw new EddyError('request.invalid', 'assignor must be range or roundrobin');
    if (b.memberId !== undefined && (typeof b.memberId !== 'string' || b.memberId.length > 255)) throw new EddyError('request.invalid', 'memberId must be a string');
    return joinNative(broker, {
      groupId: groupId(req.params.group),
      memberId: (b.memberId as string | undefined) ?? '',
      topics: b.topics as string[],
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      assignor,
      clientId: String(req.headers['user-agent'] ?? 'http').slice(0, 100),
      clientHost: req.ip,
    });
  });

  app.post('/v1/groups/:group/members/:member/heartbeat', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = obj(req.body, '{"generationId"}');
    const r = await broker.groups.heartbeat({ groupId: groupId(req.params.group), memberId: req.params.member, generationId: int(b.generationId, 'generationId', -1, 2 ** 31 - 1) });
    if (r.error) throw new EddyError(r.error, r.error === 'group.rebalance_in_progress' ? 'the group is rebalancing: join again with your memberId' : `heartbeat refused: ${r.error}`);
    return { ok: true };
  });

  app.delete('/v1/groups/:group/members/:member', async (req: FastifyRequest<{ Params: Params }>, reply) => {
    const r = await broker.groups.leave({ groupId: groupId(req.params.group), members: [{ memberId: req.params.member, groupInstanceId: null }] });
    const err = r.members?.[0]?.error ?? r.error;
    if (err) throw new EddyError(err, `leave refused: ${err}`);
    return reply.code(204).send();
  });

  app.post('/v1/groups/:group/offsets', async (req: FastifyRequest<{ Params: Params; Body: unknown }>) => {
    const b = obj(req.body, '{"offsets": [{"topic", "partition", "offset", "metadata"?}], "memberId"?, "generationId"?}');
    if (!Array.isArray(b.offsets) || b.offsets.length === 0 || b.offsets.length > OFFSETS_MAX) throw new EddyError('request.invalid', `offsets must hold 1..${OFFSETS_MAX} entries`);
    const offsets = b.offsets.map((o, i) => {
      const e = obj(o, `offsets[${i}] {"topic", "partition", "offset"}`);
      if (typeof e.topic !== 'string' || !broker.hasTopic(e.topic)) throw new EddyError('topic.not_found', `offsets[${i}]: unknown topic`);
      const partition = int(e.partition, `offsets[${i}].partition`, 0, broker.partitionCount(e.topic) - 1);
      if (e.metadata !== undefined && e.metadata !== null && (typeof e.metadata !== 'string' || e.metadata.length > 4096)) throw new EddyError('request.invalid', `offsets[${i}].metadata must be a string of at most 4096 characters`);
      return { topic: e.topic, partition, offset: int(e.offset, `offsets[${i}].offset`, 0, Number.MAX_SAFE_INTEGER), metadata: (e.metadata as string | null | undefined) ?? null };
    });
    const memberId = b.memberId === undefined ? '' : String(b.memberId);
    const generationId = b.memberId === undefined ? -1 : int(b.generationId, 'generationId', 0, 2 ** 31 - 1);
    const r = await broker.groups.commitOffsets({ groupId: groupId(req.params.group), generationId, memberId, offsets });
    const failed = r.partitions.find((p) => p.error);
    if (failed?.error) throw new EddyError(failed.error, `commit refused for ${failed.topic}-${failed.partition}: ${failed.error}`);
    return { committed: offsets.length };
  });
}
