import {
  type BuiltinCheckoutRecord,
  DEVELOPMENT_REDIRECT_PATTERNS,
  STREAMING_DEMO_TENANT,
  type StreamingUserRecord,
} from '@music-apis/domain';
import { createPlaylistsState, type StreamingPlaylistsMockState } from './playlists.js';

/**
 * The streaming store: the server's tables as maps. Tokens, secrets and codes are kept in clear
 * (a test may read them: `state.otpCodes` has every pending code); the server keeps hashes only.
 */

/** The OAuth2 client the mock accepts out of the box, of the demo tenant `acme`. */
export const STREAMING_MOCK_CLIENT = {
  tenant: STREAMING_DEMO_TENANT.slug,
  clientId: 'mock-streaming-client',
  clientSecret: 'mock-streaming-secret',
} as const;

/** The signing secret of the mock's `POST /stripe/webhook` (sign with `stripeSignatureHeader` of `@music-apis/domain`). */
export const STREAMING_MOCK_STRIPE_WEBHOOK_SECRET = 'whsec_mock_streaming';

export interface StreamingMockTenant {
  id: string;
  slug: string;
  name: string;
}

export interface StreamingMockToken {
  kind: 'client' | 'udt' | 'access';
  tenantId: string;
  clientId: string | null;
  userId: string | null;
  deviceId: string | null;
  familyId: string | null;
  expiresAt: number;
}

export interface StreamingMockRefreshToken {
  tenantId: string;
  familyId: string;
  userId: string;
  deviceId: string;
  expiresAt: number;
  usedAt: number | null;
}

export interface StreamingMockState {
  /** Tenants by slug; seeded with `acme`. */
  tenants: Map<string, StreamingMockTenant>;
  /** OAuth2 clients by client id → their tenant id and secret; seeded with `STREAMING_MOCK_CLIENT`. */
  clients: Map<string, { tenantId: string; secret: string }>;
  /** Users by id, in creation order. */
  users: Map<string, StreamingUserRecord>;
  /** Client tokens, UDTs and session access tokens, by token. */
  tokens: Map<string, StreamingMockToken>;
  refreshTokens: Map<string, StreamingMockRefreshToken>;
  /** Pending one-time codes by `<tenant id>\n<email>` (lower case): read `code` in a test. */
  otpCodes: Map<string, { code: string; deviceId: string | null; attempts: number; expiresAt: number }>;
  onboardingTokens: Map<string, { tenantId: string; email: string; deviceId: string; expiresAt: number }>;
  /** Built-in checkout sessions by id (`cs_builtin_…`). */
  checkoutSessions: Map<string, BuiltinCheckoutRecord>;
  /** The rate limits' windows (per address `mock`, per email), as the server counts them. */
  rateLimits: Map<string, { startedAt: number; count: number }>;
  checkout: {
    /** Patterns a custom success/cancel URL must match (the mock's own origin is always allowed). */
    allowedRedirects: string[];
    stripeWebhookSecret: string;
  };
  counters: { tokens: number; users: number; codes: number; sessions: number };
  /** Playlists, their entries and the users' plays (playlists.ts). */
  playlists: StreamingPlaylistsMockState;
}

export function createStreamingState(): StreamingMockState {
  const tenant = { ...STREAMING_DEMO_TENANT };
  return {
    tenants: new Map([[tenant.slug, tenant]]),
    clients: new Map([
      [STREAMING_MOCK_CLIENT.clientId, { tenantId: tenant.id, secret: STREAMING_MOCK_CLIENT.clientSecret }],
    ]),
    users: new Map(),
    tokens: new Map(),
    refreshTokens: new Map(),
    otpCodes: new Map(),
    onboardingTokens: new Map(),
    checkoutSessions: new Map(),
    rateLimits: new Map(),
    checkout: {
      allowedRedirects: [...DEVELOPMENT_REDIRECT_PATTERNS],
      stripeWebhookSecret: STREAMING_MOCK_STRIPE_WEBHOOK_SECRET,
    },
    counters: { tokens: 0, users: 0, codes: 0, sessions: 0 },
    playlists: createPlaylistsState(),
  };
}
