// A video pipeline as choreography: upload-service publishes VideoUploaded; transcoder reacts with
// VideoTranscoded, thumbnailer with ThumbnailGenerated, notifier tells the uploader (UploaderNotified).
// Each service only publishes from inside its handler, so the SDK links the events: same correlation
// id for the whole flow, causation id = the event being handled, one W3C trace. At the end the causal
// chain of each upload is rebuilt from the stored events (HTTP API) and checked against what the
// handlers saw.
//
//   node --import tsx examples/video-pipeline/run.ts
import { createEventBus, type Envelope, type EventContext } from '../../src/client/index.ts'; // in your app: from 'eddy'
import { startLocalBroker, until } from '../shared/local-broker.ts';
import { pipelineEvents, ThumbnailGenerated, UploaderNotified, VideoTranscoded, VideoUploaded } from './events.ts';
import { causalTree, formatTree, readEnvelopes, type ChainNode } from './trace.ts';

const { broker, transport, removeData } = await startLocalBroker('video');

/** What each handler saw (ctx): the handlers' own view of the chain, compared with the log's at the end. */
const seen: Pick<EventContext, 'id' | 'type' | 'correlationId' | 'causationId' | 'traceparent'>[] = [];
const note = (service: string, ctx: EventContext, line: string) => {
  seen.push({ id: ctx.id, type: ctx.type, correlationId: ctx.correlationId, causationId: ctx.causationId, traceparent: ctx.traceparent });
  console.log(`[${service}] ${line}`);
};
const options = (group: string) => ({ group, concurrency: 4, retry: { attempts: 3, backoff: { initialMs: 100 } }, pollWaitMs: 200 });

const uploads = await createEventBus({ source: 'upload-service', transport });
const transcoder = await createEventBus({ source: 'transcoder', transport });
const thumbnailer = await createEventBus({ source: 'thumbnailer', transport });
const notifier = await createEventBus({ source: 'notifier', transport });
const buses = [uploads, transcoder, thumbnailer, notifier];
const notified: string[] = [];
const uploaders = new Map<string, string>(); // notifier's own read model: videoId -> uploader (from VideoUploaded)
let exitCode = 1;
try {
  await Promise.all([
    transcoder.subscribe(VideoUploaded, async (v, ctx) => {
      note('transcoder', ctx, `transcoding ${v.videoId} (${v.sizeMb} MB)`);
      await transcoder.publish(VideoTranscoded, { videoId: v.videoId, renditions: ['1080p', '720p', '480p'], durationSec: Math.round(v.sizeMb * 0.8) });
    }, options('transcoder')).ready,
    thumbnailer.subscribe(VideoTranscoded, async (v, ctx) => {
      note('thumbnailer', ctx, `thumbnail for ${v.videoId} at ${Math.round(v.durationSec / 3)} s`);
      await thumbnailer.publish(ThumbnailGenerated, { videoId: v.videoId, thumbnailUrl: `https://cdn.example.com/thumbs/${v.videoId}.jpg`, atSec: Math.round(v.durationSec / 3) });
    }, options('thumbnailer')).ready,
    notifier.subscribe(VideoUploaded, (v) => void uploaders.set(v.videoId, v.uploaderId), options('notifier-uploads')).ready,
    notifier.subscribe(ThumbnailGenerated, async (t, ctx) => {
      await until(`the uploader of ${t.videoId}`, () => uploaders.has(t.videoId)); // its own group may lag behind
      const uploaderId = uploaders.get(t.videoId)!;
      note('notifier', ctx, `notifying ${uploaderId}: ${t.videoId} is ready`);
      await notifier.publish(UploaderNotified, { videoId: t.videoId, uploaderId, message: `Your video is live, thumbnail ${t.thumbnailUrl}` });
      notified.push(t.videoId);
    }, options('notifier')).ready,
  ]);

  const started = new Map<string, string>(); // videoId -> the VideoUploaded id = correlation id of its flow
  for (const v of [
    { videoId: 'vid-cat', title: 'Cat learns piano', uploaderId: 'u-7', sizeMb: 120 },
    { videoId: 'vid-rocket', title: 'Model rocket launch', uploaderId: 'u-9', sizeMb: 340 },
  ]) {
    const { id } = await uploads.publish(VideoUploaded, v);
    started.set(v.videoId, id);
    console.log(`[upload-service] uploaded ${v.videoId} "${v.title}" (event ${id})`);
  }
  await until('both uploaders notified', () => notified.length === 2);

  // The log's view: every stored event of the four topics, grouped by correlation id.
  const stored = await readEnvelopes(broker.http.url, pipelineEvents.map((e) => e.topic));
  const describe = (e: Envelope): string => {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'VideoUploaded') return `"${String(d.title)}", ${String(d.sizeMb)} MB`;
    if (e.type === 'VideoTranscoded') return `${(d.renditions as string[]).join('/')}, ${String(d.durationSec)} s`;
    if (e.type === 'ThumbnailGenerated') return String(d.thumbnailUrl);
    return `to ${String(d.uploaderId)}`;
  };
  let ok = true;
  for (const [videoId, correlationId] of started) {
    const root = causalTree(stored, correlationId);
    const chain: ChainNode[] = [];
    for (let n: ChainNode | undefined = root ?? undefined; n; n = n.children[0]) chain.push(n);
    const traceIds = new Set(chain.map((n) => n.event.traceparent?.split('-')[1]));
    console.log(`\n== causal chain of ${videoId}: correlation ${correlationId}, trace ${[...traceIds].join(',')}`);
    if (root) for (const l of formatTree(root, describe)) console.log(l);
    const types = chain.map((n) => n.event.type);
    const linked = chain.every((n, i) => (i === 0 ? n.event.causationid === undefined : n.event.causationid === chain[i - 1]!.event.id));
    const linear = chain.every((n) => n.children.length <= 1);
    // The handlers saw the same ids, correlation and causation as the log holds.
    const agrees = chain.slice(0, 3).every((n) => seen.some((s) => s.id === n.event.id && s.correlationId === correlationId && s.causationId === n.event.causationid));
    const good = types.join('>') === 'VideoUploaded>VideoTranscoded>ThumbnailGenerated>UploaderNotified' && linked && linear && traceIds.size === 1 && agrees;
    console.log(good ? `chain verified: 4 events, one correlation id, each causation id is the previous event's id, one trace id, handlers agree` : `chain NOT as expected: ${types.join(' > ')}`);
    ok &&= good;
  }
  console.log(ok ? '\nvideo-pipeline example: OK' : '\nvideo-pipeline example: UNEXPECTED RESULT');
  exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(e);
} finally {
  await Promise.all(buses.map((b) => b.close()));
  await broker.close();
  await removeData();
}
process.exitCode = exitCode;
