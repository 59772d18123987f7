import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STREAMING_MOCK_CLIENT, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET } from '@music-apis/mock';
import { setupMockServer } from '@music-apis/mock/node';
import {
  createCollectionsApiKey,
  createFirstDownloaderAdmin,
  createServer,
  createStreamingOAuthClient,
  loadConfig,
  type MusicApiServer,
} from '@music-apis/server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ffmpegAvailable } from './ffmpeg.js';
import { startOAuthPeer } from './oauth-peer.js';
import { startTestS3Server } from './s3.js';
import type { ScenarioContext } from './scenario.js';
import { CONTRACT_COLLECTIONS_API_KEY, CONTRACT_MAX_AUDIO_BYTES } from './scenarios/collections.js';
import { CONTRACT_DOWNLOADER_ADMIN } from './scenarios/downloader.js';
import { SUITES } from './suites.js';

/** Registers every suite's scenarios against one target. */
export function runScenarios(
  target: ScenarioContext['target'],
  start: () => Promise<{
    baseUrl: string;
    otherOrganizationCollectionsApiKey: string;
    otherTenantStreamingClient: ScenarioContext['otherTenantStreamingClient'];
    stop(): Promise<void>;
  }>,
) {
  let context: ScenarioContext;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const started = await start();
    context = {
      baseUrl: started.baseUrl,
      target,
      otherOrganizationCollectionsApiKey: started.otherOrganizationCollectionsApiKey,
      otherTenantStreamingClient: started.otherTenantStreamingClient,
    };
    stop = started.stop;
  });
  afterAll(async () => {
    await stop?.();
  });
  // The mock needs no encoder; the server makes its variant files with ffmpeg.
  const encoderMissing = target !== 'mock' && !ffmpegAvailable(`contract ${target}`);
  for (const suite of SUITES) {
    describe(suite.api, () => {
      for (const scenario of suite.scenarios) {
        it.skipIf(scenario.needsEncoder && encoderMissing)(scenario.name, () => scenario.run(context));
      }
    });
  }
}

export async function startMock() {
  const baseUrl = 'http://mock.music-apis.test';
  const { server, mock } = setupMockServer({ baseUrl });
  mock.state.collections.limits.maxAudioBytes = CONTRACT_MAX_AUDIO_BYTES;
  const otherOrganizationCollectionsApiKey = 'adn_contract_other_organization';
  mock.state.collections.apiKeys.set(
    otherOrganizationCollectionsApiKey,
    '0c0ffee0-0000-4000-8000-0000000000aa',
  );
  const otherTenantStreamingClient = {
    tenant: 'contract-other-tenant',
    clientId: 'contract-other-tenant-client',
    clientSecret: 'contract-other-tenant-secret',
  };
  const otherTenantId = '0c0ffee0-0000-4000-8000-0000000000bb';
  mock.state.streaming.tenants.set(otherTenantStreamingClient.tenant, {
    id: otherTenantId,
    slug: otherTenantStreamingClient.tenant,
    name: 'Contract other tenant',
  });
  mock.state.streaming.clients.set(otherTenantStreamingClient.clientId, {
    tenantId: otherTenantId,
    secret: otherTenantStreamingClient.clientSecret,
  });
  // The downloader's scenarios run with auth on, signed in as this first admin.
  mock.state.downloader.settings.authEnabled = true;
  mock.state.downloader.addUser({ ...CONTRACT_DOWNLOADER_ADMIN, role: 'admin' });
  // Both SSO providers configured, as on the server targets (the mock simulates them).
  mock.state.downloader.settings.ssoProviders = ['google', 'github'];
  server.listen({ onUnhandledRequest: 'error' });
  return {
    baseUrl,
    otherOrganizationCollectionsApiKey,
    otherTenantStreamingClient,
    stop: async () => server.close(),
  };
}

/**
 * The reference server on a random port, validating its own responses against the documents. On
 * PostgreSQL it keeps files in S3 (an in-process S3 server), as several instances would.
 */
export async function startServer(databaseUrl?: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-contract-'));
  const s3 = databaseUrl ? await startTestS3Server() : undefined;
  // Google and GitHub for the downloader's SSO, on a local port.
  const oauth = await startOAuthPeer();
  const cleanUp = async () => {
    await oauth.stop();
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const config = loadConfig(
    {
      ...s3?.env,
      COLLECTIONS_API_KEY: CONTRACT_COLLECTIONS_API_KEY,
      COLLECTIONS_MAX_AUDIO_BYTES: String(CONTRACT_MAX_AUDIO_BYTES),
      // The mock's streaming client and webhook secret, so one scenario runs on every target.
      STREAMING_CLIENT_ID: STREAMING_MOCK_CLIENT.clientId,
      STREAMING_CLIENT_SECRET: STREAMING_MOCK_CLIENT.clientSecret,
      STRIPE_WEBHOOK_SECRET: STREAMING_MOCK_STRIPE_WEBHOOK_SECRET,
      // Background jobs (audio processing) are picked up quickly, so scenarios do not wait long.
      JOB_POLL_INTERVAL_MS: '50',
      DOWNLOADER_ENABLE_AUTH: 'true',
      DOWNLOADER_ADMIN_USERNAME: CONTRACT_DOWNLOADER_ADMIN.username,
      DOWNLOADER_ADMIN_PASSWORD: CONTRACT_DOWNLOADER_ADMIN.password,
      ...oauth.env,
    },
    { port: 0, dataDir, databaseUrl, logLevel: process.env.LOG_LEVEL ?? 'silent', validateResponses: true },
  );
  let server: MusicApiServer;
  try {
    server = await createServer(config);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const baseUrl = await server.listen();
  await createFirstDownloaderAdmin(server.db, config);
  const otherOrganization = await createCollectionsApiKey(server.db, {
    title: 'Contract suite',
    organization: 'Contract other organization',
  });
  const otherTenant = await createStreamingOAuthClient(server.db, { tenant: 'contract-other-tenant' });
  return {
    baseUrl,
    otherOrganizationCollectionsApiKey: otherOrganization.key,
    otherTenantStreamingClient: {
      tenant: otherTenant.tenant.slug,
      clientId: otherTenant.clientId,
      clientSecret: otherTenant.clientSecret,
    },
    async stop() {
      await server.close();
      await cleanUp();
    },
  };
}
