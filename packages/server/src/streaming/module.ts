import { randomUUID } from 'node:crypto';
import {
  authenticateOptionalUser,
  HLS_MANIFEST_CONTENT_TYPE,
  HLS_SEGMENT_CONTENT_TYPE,
  laravelPage,
  newUserRecord,
  STREAMING_PAGE_SIZE,
  streamingCatalogHandlers,
  streamingEmailTaken,
  streamingErrorReply,
  streamingNotFound,
  streamingTrackIdOf,
  tryBearerScheme,
  userChanges,
  userView,
} from '@music-apis/domain';
import { HttpError } from '@music-apis/spec';
import { type operations, streamingSpec } from '@music-apis/spec/streaming';
import coBody from 'co-body';
import type { Context } from 'koa';
import { linkBase } from '../core/http/link-base.js';
import type { ServerApi, ServerEnv, ServerRawBody } from '../core/http/pipeline.js';
import { STRUCTURED_BODY_LIMIT } from '../core/http/request-body.js';
import type { ApiModule } from '../core/module.js';
import { getOrCreateSecret } from '../core/secrets.js';
import { createStreamingCatalogStore, seedStreamingCatalog, streamingCatalogMigration } from './catalog.js';
import { createBuiltinCheckout, createStripeCheckout, handleStripeWebhook } from './checkout.js';
import { createClientVerifier, tenantForSlug } from './clients.js';
import { createHlsService } from './hls.js';
import { createStreamingIdentity, type TenantCaller, type UserCaller } from './identity.js';
import { createPlaylistHandlers, recordPlay } from './playlists.js';
import { playlistsMigration } from './playlists-store.js';
import { streamingMigrations, tenantStore } from './store.js';

type StreamingPrincipals = { OAuth2: TenantCaller; UserToken: UserCaller };

/** Answers that carry tokens are never cached (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store' };

/** Stripe signs the exact bytes it sent: the webhook body is read as text, never parsed first. */
async function rawText(ctx: Context): Promise<string> {
  try {
    return await coBody.text(ctx.req, { limit: STRUCTURED_BODY_LIMIT, encoding: 'utf8' });
  } catch (error) {
    if ((error as { status?: number }).status === 413) throw new HttpError(413, 'Request body is too large');
    throw new HttpError(400, 'The webhook payload is not a Stripe event.');
  }
}

export const streamingModule: ApiModule = {
  key: 'streaming',
  migrations: [...streamingMigrations, streamingCatalogMigration, playlistsMigration],
  /** The demo tenant (`STREAMING_TENANT`, default `acme`); its first client is made at the first start. */
  async seed({ db, config, catalog }) {
    await tenantForSlug(db, config.streaming.tenant);
    await seedStreamingCatalog(db, catalog);
  },
  async createApi({ db, config, mail, logger, blobs, catalog }) {
    const settings = config.streaming;
    const identity = createStreamingIdentity({
      db,
      mail,
      verifyClient: await createClientVerifier(db, settings),
      otpSecret: await getOrCreateSecret(db, 'streaming-otp-codes'),
    });
    const hls = createHlsService({
      blobs,
      catalog,
      logger,
      ffmpegPath: config.collections.ffmpegPath,
      urlSecret: new TextDecoder().decode(
        await getOrCreateSecret(db, 'streaming-hls-urls', settings.hlsUrlSecret),
      ),
      // Each manifest served is a play: what the home page's "continue listening" is made of.
      onPlay: ({ tenantId, userId, track }) =>
        recordPlay(db, catalog, { tenantId, userId, trackId: streamingTrackIdOf(catalog, track) ?? '' }),
    });
    const builtin = createBuiltinCheckout(db, settings);
    const checkout = settings.checkout.stripeSecretKey
      ? createStripeCheckout(settings, logger)
      : builtin.provider;
    const baseUrl = (ctx: Context) => linkBase(ctx, config.publicUrl);
    const today = () => new Date();
    /** The built-in provider's own routes exist only while it is the provider. */
    const builtinOnly = () => {
      if (checkout.name !== 'builtin') throw streamingNotFound();
    };

    const api: ServerApi<operations, typeof streamingSpec.operations, StreamingPrincipals> = {
      spec: streamingSpec,
      errorReply: (error, { operation }) =>
        streamingErrorReply(error, { operationId: operation?.operationId }),
      authenticate: {
        OAuth2: (request, _env, options) =>
          tryBearerScheme(options, () => identity.authenticateTenant(request.header('authorization'))),
        UserToken: (request, _env, options) =>
          tryBearerScheme(options, () =>
            authenticateOptionalUser(request.header('authorization'), options.optional, () =>
              identity.authenticateUser(request.header('authorization'), request.header('x-device-id')),
            ),
          ),
      },
      handlers: {
        issueClientToken: async ({ body }) => ({
          status: 200,
          body: await identity.issueClientToken(body.client_id, body.client_secret),
          headers: NO_STORE,
        }),
        mintUserDelegationToken: async ({ path, body, principal }) => ({
          status: 200,
          body: await identity.mintUserDelegationToken(principal, path.user_id, body.deviceId),
          headers: NO_STORE,
        }),
        listUsers: async ({ query, principal }, { ctx }) => {
          const page = query.page ?? 1;
          const { users, total } = await tenantStore(db, principal.tenantId).listUsers(
            (page - 1) * STREAMING_PAGE_SIZE,
            STREAMING_PAGE_SIZE,
          );
          return {
            status: 200,
            body: laravelPage(users.map(userView), {
              page,
              perPage: STREAMING_PAGE_SIZE,
              total,
              path: `${baseUrl(ctx)}/api/v1/users`,
            }),
          };
        },
        createUser: async ({ body, principal }) => {
          const fields = userChanges(body, today()) as Required<ReturnType<typeof userChanges>>;
          const user = newUserRecord(
            { id: randomUUID(), tenant_id: principal.tenantId, nowMs: Date.now() },
            fields,
          );
          if (!(await tenantStore(db, principal.tenantId).insertUser(user))) throw streamingEmailTaken();
          return { status: 201, body: userView(user) };
        },
        getUser: async ({ path, principal }) => {
          const user = await tenantStore(db, principal.tenantId).findUser(path.user_id);
          if (!user) throw streamingNotFound();
          return { status: 200, body: userView(user) };
        },
        updateUser: async ({ path, body, principal }) => {
          const store = tenantStore(db, principal.tenantId);
          const changes = userChanges(body, today());
          const user =
            Object.keys(changes).length === 0
              ? await store.findUser(path.user_id)
              : await store.updateUser(path.user_id, changes, Date.now());
          if (user === 'email-taken') throw streamingEmailTaken();
          if (!user) throw streamingNotFound();
          return { status: 200, body: userView(user) };
        },
        sendEmailOtp: async ({ body }, { ctx }) => ({
          status: 200,
          body: await identity.sendOtp(body, ctx.ip),
        }),
        verifyEmailOtp: async ({ body }, { ctx }) => ({
          status: 200,
          body: await identity.verifyOtp(body, ctx.ip),
          headers: NO_STORE,
        }),
        completeOnboarding: async ({ body }) => {
          // Checked before the token is spent, so a mistyped date does not cost the sign-in.
          const { first_name, last_name, date_of_birth } = body;
          const fields = userChanges({ first_name, last_name, date_of_birth }, today()) as Required<
            Omit<ReturnType<typeof userChanges>, 'email'>
          >;
          return {
            status: 200,
            body: await identity.completeOnboarding(body.onboarding_token, fields),
            headers: NO_STORE,
          };
        },
        refreshSession: async ({ body }) => ({
          status: 200,
          body: await identity.refreshSession(body.refresh_token),
          headers: NO_STORE,
        }),
        logout: async ({ body }) => {
          await identity.logout(body.refresh_token);
          return { status: 204, body: undefined };
        },
        getMe: async ({ principal }) => ({ status: 200, body: userView(principal.user) }),
        updateMe: async ({ body, principal }) => {
          // The email is the sign-in identity: not editable here, whatever the body carries.
          const { first_name, last_name, date_of_birth } = body;
          const changes = userChanges({ first_name, last_name, date_of_birth }, today());
          const user =
            Object.keys(changes).length === 0
              ? principal.user
              : await principal.store.updateUser(principal.userId, changes, Date.now());
          if (!user || user === 'email-taken') throw streamingNotFound();
          return { status: 200, body: userView(user) };
        },
        createCheckoutSession: async ({ body, principal }, { ctx }) => ({
          status: 200,
          body: await checkout.createSession(principal.user, body, baseUrl(ctx)),
        }),
        showBuiltinCheckout: async ({ path }) => {
          builtinOnly();
          return {
            status: 200,
            body: await builtin.page(path.session_id),
            contentType: 'text/html; charset=utf-8',
            headers: { 'cache-control': 'no-store' },
          };
        },
        completeBuiltinCheckout: async ({ path, body }) => {
          builtinOnly();
          const location = await builtin.complete(path.session_id, body.action);
          return { status: 303, body: undefined, headers: { location } };
        },
        handleStripeWebhook: async ({ headers }, { ctx }) => {
          const message = await handleStripeWebhook(
            db,
            settings,
            await rawText(ctx),
            headers['Stripe-Signature'],
          );
          return { status: 200, body: { message } };
        },
        ...streamingCatalogHandlers<StreamingPrincipals, ServerEnv, ServerRawBody>(
          createStreamingCatalogStore(db, catalog),
        ),
        getHlsManifest: async ({ path, principal }) => ({
          status: 200,
          body: Buffer.from(await hls.manifest(path.stream_id, principal, Date.now())),
          contentType: HLS_MANIFEST_CONTENT_TYPE,
          // Per listener, and its segment URIs expire: never cached.
          headers: NO_STORE,
        }),
        getHlsSegment: async ({ path }, { ctx }) => ({
          status: 200,
          // The signature covers the path and query string exactly as sent.
          body: await hls.segment({
            streamId: path.stream_id,
            segment: path.segment,
            path: ctx.path,
            query: ctx.querystring,
            now: Date.now(),
          }),
          contentType: HLS_SEGMENT_CONTENT_TYPE,
          headers: { 'cache-control': 'private, max-age=3600' },
        }),
        ...createPlaylistHandlers({ db, catalog, baseUrl }),
      },
    };
    return api;
  },
};
