export type { components, OperationId, operations, paths } from '@music-apis/spec/collections';
export * from '../core/public.js';
export * from './client.gen.js';
export * from './client.js';
export {
  type PlayableTrack,
  type PlaybackSession,
  type PlaybackSessionOptions,
  signDeliveryUrl,
} from './lib/play-session.js';
export { splitSignedUrl } from './lib/signed-url.js';
export type {
  SessionFile,
  SessionFileProgress,
  SessionUploadResult,
  UploadViaSessionOptions,
} from './lib/upload-session.js';
export type {
  AudioUploadByUrl,
  CoverFile,
  CoverUploadByUrl,
  SignedUrlMethods,
  UploadBody,
  UploadCallOptions,
} from './lib/uploads.js';
export {
  TrackProcessingError,
  TrackProcessingTimeoutError,
  type WaitForTrackOptions,
} from './lib/wait-for-track.js';
export {
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhookSignature,
  type WebhookHeaders,
  WebhookVerificationError,
} from './lib/webhook-signature.js';
