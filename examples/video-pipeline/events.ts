// The events of the video pipeline. No service calls another: each reacts to an event and
// publishes the next one (choreography).
import { z } from 'zod';
import { defineEvent } from '../../src/client/index.ts'; // in your app: from 'eddy'

export const VideoUploaded = defineEvent('VideoUploaded', {
  version: 1,
  schema: z.object({ videoId: z.string(), title: z.string(), uploaderId: z.string(), sizeMb: z.number().positive() }),
  key: (e) => e.videoId,
});

export const VideoTranscoded = defineEvent('VideoTranscoded', {
  version: 1,
  schema: z.object({ videoId: z.string(), renditions: z.array(z.enum(['1080p', '720p', '480p'])).min(1), durationSec: z.number() }),
  key: (e) => e.videoId,
});

export const ThumbnailGenerated = defineEvent('ThumbnailGenerated', {
  version: 1,
  schema: z.object({ videoId: z.string(), thumbnailUrl: z.string(), atSec: z.number() }),
  key: (e) => e.videoId,
});

export const UploaderNotified = defineEvent('UploaderNotified', {
  version: 1,
  schema: z.object({ videoId: z.string(), uploaderId: z.string(), message: z.string() }),
  key: (e) => e.videoId,
});

export const pipelineEvents = [VideoUploaded, VideoTranscoded, ThumbnailGenerated, UploaderNotified] as const;
