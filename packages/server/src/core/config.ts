import { resolve } from 'node:path';
import {
  DEVELOPMENT_REDIRECT_PATTERNS,
  SONG_STREAM_URL_TTL_SECONDS,
  STREAMING_DEMO_TENANT,
  STREAMING_PRODUCTS,
  TENANT_SLUG,
} from '@music-apis/domain';
import { DEFAULT_JOB_LEASE_MS } from './jobs.js';
import { maskUrlSecrets } from './mask-url.js';

/**
 * The server's whole configuration, read once from the environment. Every setting has a default
 * that works on a laptop with nothing installed (SQLite under ./data, built-in providers).
 */
export interface ServerConfig {
  /** TCP port; 0 picks a free one (tests). Env `PORT`, default 8080. */
  port: number;
  /** Interface to listen on. Env `HOST`, default 127.0.0.1 (use 0.0.0.0 behind a load balancer). */
  host: string;
  /**
   * Public base URL, used in links the server hands out. Env `PUBLIC_URL`; required with
   * `NODE_ENV=production`. Unset, links use the request's `Host` (never `X-Forwarded-Host`).
   */
  publicUrl: string | undefined;
  /**
   * How many proxies in front of the server to believe (0: none). Only then are `X-Forwarded-For`
   * and `-Proto` read, and the client address is the entry that many hops from the right, the one
   * the nearest trusted proxy saw (entries further left are whatever the client sent). Believed
   * from anyone, any client could forge its address past the rate limits. Env `TRUST_PROXY`:
   * `true`/`1` (one proxy), a number of proxies, or `false`/`0` (the default).
   */
  trustProxy: number;
  /** `NODE_ENV=production`: no demo data unless asked, no dev endpoints, no CORS origin unless listed. */
  production: boolean;
  /** SQLite database and blob files live here. Env `DATA_DIR`, default ./data. */
  dataDir: string;
  /** `postgres://…` switches from SQLite to PostgreSQL. Env `DATABASE_URL`. */
  databaseUrl: string | undefined;
  /** Keep uploaded and fetched files in an S3-compatible bucket instead of DATA_DIR/blobs. Env `S3_BUCKET` and friends. */
  s3: S3Settings | undefined;
  /**
   * DATA_DIR is one directory every instance sees (a network mount), or only one instance runs:
   * PostgreSQL may then keep files in DATA_DIR/blobs. Env `SHARED_DATA_DIR=1`; default false.
   */
  sharedDataDir: boolean;
  /**
   * Load the demo catalog (and the songs demo logins, whose password is public) at start.
   * Env `DEMO_DATA`: default true, false with `NODE_ENV=production`.
   */
  demoData: boolean;
  /** pino level. Env `LOG_LEVEL`, default info (`silent` in tests). */
  logLevel: string;
  /** Env `LOG_FORMAT`: `pretty` (pino-pretty), `json`, or `auto` (default: pretty when stdout is a terminal). */
  logFormat: LogFormat;
  /**
   * Origins a browser app may call the APIs from (CORS). Env `CORS_ORIGINS`: a comma list of
   * origins (`https://app.example.com,http://localhost:5173`) or `*` for any. Unset: in development
   * any http(s) origin on localhost, 127.0.0.1 or [::1] (any port); with `NODE_ENV=production`, none.
   */
  corsOrigins: CorsOrigins;
  /** Validate every response against the OpenAPI document and fail loudly on drift. Env `VALIDATE_RESPONSES`. */
  validateResponses: boolean;
  /** Secret that signs tokens issued by the built-in catalog. Env `TOKEN_SECRET`; generated into DATA_DIR when unset. */
  tokenSecret: string | undefined;
  /** Serve development helpers such as `GET /dev/mail`. True unless env `NODE_ENV` is `production`. */
  devEndpoints: boolean;
  mail: {
    /** Env `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…`): send mail over SMTP instead of the built-in outbox. */
    smtpUrl: string | undefined;
    /** Sender address. Env `MAIL_FROM`, default `music-apis <no-reply@music-apis.local>`. */
    from: string;
  };
  songs: {
    /** HS256 secret of the songs API's JWTs. Env `SONGS_JWT_SECRET`; generated and kept in the database when unset. */
    jwtSecret: string | undefined;
    /** Lifetime of the signed audio URLs of Get Song Stream. Env `SONGS_STREAM_URL_TTL_SECONDS`, default 86400 (a day, as the original's). */
    streamUrlTtlSeconds: number;
  };
  collections: {
    /** Env `COLLECTIONS_API_KEY`: one more valid API key for the collections API (scripted set-ups). */
    apiKey: string | undefined;
    /** Largest audio upload in bytes. Env `COLLECTIONS_MAX_AUDIO_BYTES`, default 209715200 (200 MiB). */
    maxAudioBytes: number;
    /** Largest cover image upload in bytes. Env `COLLECTIONS_MAX_COVER_BYTES`, default 10485760 (10 MiB). */
    maxCoverBytes: number;
    /** Lifetime of signed upload URLs in seconds. Env `COLLECTIONS_UPLOAD_TTL_SECONDS`, default 3600. */
    uploadTtlSeconds: number;
    webhooks: {
      /** How long a receiver may take to answer a delivery. Env `COLLECTIONS_WEBHOOK_TIMEOUT_MS`, default 10000. */
      timeoutMs: number;
      /** Attempts of one delivery before it is recorded as failed. Env `COLLECTIONS_WEBHOOK_MAX_ATTEMPTS`, default 10. */
      maxAttempts: number;
      /**
       * Delay before retry n: `min(retryBaseMs * 2^(n-1), retryMaxMs)`, so the default 10 attempts
       * span about three hours. Env `COLLECTIONS_WEBHOOK_RETRY_BASE_MS` (default 30000) and
       * `COLLECTIONS_WEBHOOK_RETRY_MAX_MS` (default 3600000).
       */
      retryBaseMs: number;
      retryMaxMs: number;
    };
    /**
     * The ffmpeg that makes the variant files (transcodes, previews, waveforms). Env `FFMPEG_PATH`,
     * default `ffmpeg` (found on PATH). Without one, processed tracks end `incomplete`.
     */
    ffmpegPath: string;
  };
  streaming: StreamingSettings;
  downloader: DownloaderSettingsConfig;
  jobs: {
    /** How often idle job workers poll the queue. Env `JOB_POLL_INTERVAL_MS`, default 1000. */
    pollIntervalMs: number;
    /** Jobs one server process runs at once. Env `JOB_CONCURRENCY`, default 2. */
    concurrency: number;
    /**
     * How long a running job's claim lasts without a heartbeat (renewed every third of it while the
     * job runs): a job of an instance that was killed is taken over this long after its last beat.
     * Env `JOB_LEASE_MS`, default 30000.
     */
    leaseMs: number;
  };
  spotify: {
    /** Env `SPOTIFY_CLIENT_ID` + `SPOTIFY_CLIENT_SECRET`: use the Spotify Web API as the catalog. */
    clientId: string | undefined;
    clientSecret: string | undefined;
    /** Env `SPOTIFY_API_URL`, default https://api.spotify.com. */
    apiUrl: string;
    /** Env `SPOTIFY_ACCOUNTS_URL`, default https://accounts.spotify.com. */
    accountsUrl: string;
  };
}

/** The streaming API's tenant client and checkout. */
export interface StreamingSettings {
  /** Slug of the demo tenant and of `STREAMING_CLIENT_ID`'s tenant. Env `STREAMING_TENANT`, default `acme`. */
  tenant: string;
  /** Env `STREAMING_CLIENT_ID` + `STREAMING_CLIENT_SECRET`: one more OAuth2 client of that tenant (scripted set-ups); when set, no first client is generated. */
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Env `STREAMING_HLS_URL_SECRET`: signs the HLS segment URIs; generated and kept in the database when unset. */
  hlsUrlSecret: string | undefined;
  checkout: {
    /** Env `STRIPE_SECRET_KEY`: create Stripe Checkout Sessions instead of using the built-in checkout. */
    stripeSecretKey: string | undefined;
    /** Env `STRIPE_WEBHOOK_SECRET` (`whsec_…`): checks the signature of `POST /stripe/webhook`. */
    stripeWebhookSecret: string | undefined;
    /** Env `STRIPE_API_URL`, default https://api.stripe.com (tests, proxies). */
    stripeApiUrl: string;
    /** Env `STRIPE_PRICES`: `basic=price_…,premium=price_…`, the Stripe price of each product (all of them with a key). */
    stripePrices: Readonly<Record<string, string>>;
    /**
     * Patterns (`*` matches anything, as Laravel's `Str::is`) a custom `success_url`/`cancel_url`
     * must match. Env `STREAMING_CHECKOUT_REDIRECT_PATTERNS`, a comma list; default in development
     * `http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`; in production none.
     */
    allowedRedirects: readonly string[];
    /** Env `STREAMING_CHECKOUT_SUCCESS_URL` / `_CANCEL_URL`: where the browser goes after paying or cancelling when the request names no URL. Default: the built-in checkout page itself; required with Stripe. */
    successUrl: string | undefined;
    cancelUrl: string | undefined;
  };
}

/** The downloader API (Spotizerr-compatible); names follow the original's variables, prefixed. */
export interface DownloaderSettingsConfig {
  /** Env `DOWNLOADER_ENABLE_AUTH` (upstream `ENABLE_AUTH`): accounts and tokens. Default false: every request is the admin `system`. */
  authEnabled: boolean;
  /** HS256 secret of the downloader's tokens. Env `DOWNLOADER_JWT_SECRET`; generated and kept in the database when unset. */
  jwtSecret: string | undefined;
  /** Token lifetime in hours. Env `DOWNLOADER_JWT_EXPIRATION_HOURS`, default 24. */
  tokenLifetimeHours: number;
  /** Env `DOWNLOADER_DISABLE_REGISTRATION`: refuse public sign-up (admins still create users). Default false. */
  registrationDisabled: boolean;
  /** The first admin, created when auth is on and there is no user. Env `DOWNLOADER_ADMIN_USERNAME`, default `admin`. */
  adminUsername: string;
  /** Its password. Env `DOWNLOADER_ADMIN_PASSWORD`; unset, a random one is generated and printed once at start. */
  adminPassword: string | undefined;
  /** Env `DOWNLOADER_EXPLICIT_FILTER`: the configuration's `explicitFilter` (hide explicit content in the UI). Default false. */
  explicitFilter: boolean;
  /** Key that encrypts the stored account secrets. Env `DOWNLOADER_SECRETS_KEY`; generated and kept in the database when unset. */
  secretsKey: string | undefined;
  /**
   * Where downloads are written (upstream `./downloads`, the Docker volume). Env
   * `DOWNLOADER_DOWNLOAD_DIR`, default DATA_DIR/downloads. With several instances, a directory they
   * all mount: any instance may run a download.
   */
  downloadDir: string | undefined;
  sso: DownloaderSsoConfig;
}

/** One OAuth app at a provider, and where the provider's endpoints are (overridable for tests). */
export interface OAuthProviderSettings {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
}

/** Sign-in with Google and GitHub (upstream `SSO_*`, `GOOGLE_*`, `GITHUB_*`, `FRONTEND_URL`). */
export interface DownloaderSsoConfig {
  /** Env `DOWNLOADER_SSO_ENABLED`, default true (as upstream); SSO also needs `DOWNLOADER_ENABLE_AUTH`. */
  enabled: boolean;
  /**
   * Env `DOWNLOADER_GOOGLE_CLIENT_ID` + `DOWNLOADER_GOOGLE_CLIENT_SECRET` (both or neither); endpoint
   * overrides `DOWNLOADER_GOOGLE_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL` (tests, proxies).
   */
  google: OAuthProviderSettings | undefined;
  /**
   * Env `DOWNLOADER_GITHUB_CLIENT_ID` + `DOWNLOADER_GITHUB_CLIENT_SECRET`; overrides
   * `DOWNLOADER_GITHUB_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL` (the emails are read at `<userinfo>/emails`).
   */
  github: OAuthProviderSettings | undefined;
  /**
   * The callback base, to which `/google` or `/github` is added: register those URLs at the
   * providers. Env `DOWNLOADER_SSO_BASE_REDIRECT_URI` (upstream `SSO_BASE_REDIRECT_URI`); unset,
   * `PUBLIC_URL` (else the request's origin) + `/api/auth/sso/callback`.
   */
  redirectBase: string | undefined;
  /** Where the callback sends the browser, with `?token=` or `?error=`. Env `DOWNLOADER_FRONTEND_URL` (upstream `FRONTEND_URL`), default http://localhost:3000. */
  frontendUrl: string;
}

/** An S3-compatible bucket: AWS S3, MinIO, Cloudflare R2, … */
export interface S3Settings {
  /** Env `S3_BUCKET` (required to use S3). */
  bucket: string;
  /** Env `S3_URL`: the endpoint, e.g. `http://minio:9000` or `https://<account>.r2.cloudflarestorage.com`; unset: AWS S3 of the region. */
  endpoint: string | undefined;
  /** Env `S3_REGION`, default us-east-1 (R2 wants `auto`). */
  region: string;
  /** Env `S3_ACCESS_KEY_ID` + `S3_SECRET_ACCESS_KEY`; unset: the AWS SDK's own chain (AWS_* variables, instance roles). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** Env `S3_FORCE_PATH_STYLE`: `endpoint/bucket/key` URLs (MinIO) instead of `bucket.endpoint/key`. Default: true when S3_URL is set. */
  forcePathStyle: boolean;
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/** Which browser origins get CORS headers: any, the local development ones, or a list. */
export type CorsOrigins =
  | { allow: 'any' }
  | { allow: 'localhost' }
  | { allow: 'list'; origins: readonly string[] };

type Env = Record<string, string | undefined>;

function logFormatFrom(value: string | undefined): LogFormat {
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || value === 'json' || value === 'pretty') return value;
  throw new Error(`LOG_FORMAT must be auto, json or pretty, got "${value}"`);
}

/** The non-empty, trimmed entries of a comma list. */
function commaListFrom(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function corsOriginsFrom(value: string | undefined, production: boolean): CorsOrigins {
  const entries = commaListFrom(value);
  if (entries.length === 0) return production ? { allow: 'list', origins: [] } : { allow: 'localhost' };
  if (entries.includes('*')) return { allow: 'any' };
  const origins = entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    // An origin is scheme://host[:port]: no path, query or credentials, as browsers send it.
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !bare || !/^https?:$/.test(url.protocol)) {
      throw new Error(
        `CORS_ORIGINS entries must be origins like https://app.example.com or *, got "${entry}"`,
      );
    }
    return url.origin;
  });
  return { allow: 'list', origins: [...new Set(origins)] };
}

function s3From(env: Env): S3Settings | undefined {
  if (!env.S3_BUCKET) {
    const stray = ['S3_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].find((name) => env[name]);
    // Half a configuration would silently keep files on the local disk: refuse it instead.
    if (stray) throw new Error(`${stray} is set but S3_BUCKET is not: set S3_BUCKET to store files in S3`);
    return undefined;
  }
  const endpoint = env.S3_URL || undefined;
  if (endpoint && !(URL.canParse(endpoint) && /^https?:$/.test(new URL(endpoint).protocol)))
    throw new Error(`S3_URL must be an http(s) URL such as http://minio:9000, got "${endpoint}"`);
  const accessKeyId = env.S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || undefined;
  if (!accessKeyId !== !secretAccessKey)
    throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both or neither');
  return {
    bucket: env.S3_BUCKET,
    endpoint,
    region: env.S3_REGION || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: booleanFrom(env.S3_FORCE_PATH_STYLE, endpoint !== undefined),
  };
}

function httpUrlFrom(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)))
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  return value;
}

const OAUTH_ENDPOINTS = {
  GOOGLE: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
  },
  GITHUB: {
    authorizeUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userinfoUrl: 'https://api.github.com/user',
  },
} as const;

function oauthProviderFrom(env: Env, name: 'GOOGLE' | 'GITHUB'): OAuthProviderSettings | undefined {
  const prefix = `DOWNLOADER_${name}`;
  const clientId = env[`${prefix}_CLIENT_ID`] || undefined;
  const clientSecret = env[`${prefix}_CLIENT_SECRET`] || undefined;
  if (!clientId !== !clientSecret)
    throw new Error(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET go together: set both or neither`);
  if (!clientId || !clientSecret) return undefined;
  const url = (key: 'AUTHORIZE_URL' | 'TOKEN_URL' | 'USERINFO_URL', fallback: string) =>
    (httpUrlFrom(`${prefix}_${key}`, env[`${prefix}_${key}`]) ?? fallback).replace(/\/+$/, '');
  const defaults = OAUTH_ENDPOINTS[name];
  return {
    clientId,
    clientSecret,
    authorizeUrl: url('AUTHORIZE_URL', defaults.authorizeUrl),
    tokenUrl: url('TOKEN_URL', defaults.tokenUrl),
    userinfoUrl: url('USERINFO_URL', defaults.userinfoUrl),
  };
}

function downloaderSsoFrom(env: Env): DownloaderSsoConfig {
  return {
    enabled: booleanFrom(env.DOWNLOADER_SSO_ENABLED, true),
    google: oauthProviderFrom(env, 'GOOGLE'),
    github: oauthProviderFrom(env, 'GITHUB'),
    redirectBase: httpUrlFrom('DOWNLOADER_SSO_BASE_REDIRECT_URI', env.DOWNLOADER_SSO_BASE_REDIRECT_URI),
    frontendUrl:
      httpUrlFrom('DOWNLOADER_FRONTEND_URL', env.DOWNLOADER_FRONTEND_URL) ?? 'http://localhost:3000',
  };
}

function streamingFrom(env: Env, production: boolean): StreamingSettings {
  const tenant = env.STREAMING_TENANT || STREAMING_DEMO_TENANT.slug;
  if (!TENANT_SLUG.test(tenant))
    throw new Error(`STREAMING_TENANT must be a slug (lower-case letters, digits, dashes), got "${tenant}"`);
  const clientId = env.STREAMING_CLIENT_ID || undefined;
  const clientSecret = env.STREAMING_CLIENT_SECRET || undefined;
  if (!clientId !== !clientSecret)
    throw new Error('STREAMING_CLIENT_ID and STREAMING_CLIENT_SECRET go together: set both or neither');
  const stripePrices = Object.fromEntries(
    commaListFrom(env.STRIPE_PRICES).map((entry) => {
      const [slug, price] = entry.split('=').map((part) => part.trim());
      if (!slug || !price) throw new Error(`STRIPE_PRICES entries are slug=price_id, got "${entry}"`);
      return [slug, price];
    }),
  );
  const patterns = commaListFrom(env.STREAMING_CHECKOUT_REDIRECT_PATTERNS);
  const checkout = {
    stripeSecretKey: env.STRIPE_SECRET_KEY || undefined,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET || undefined,
    stripeApiUrl: (env.STRIPE_API_URL || 'https://api.stripe.com').replace(/\/+$/, ''),
    stripePrices,
    allowedRedirects: patterns.length > 0 ? patterns : production ? [] : [...DEVELOPMENT_REDIRECT_PATTERNS],
    successUrl: httpUrlFrom('STREAMING_CHECKOUT_SUCCESS_URL', env.STREAMING_CHECKOUT_SUCCESS_URL),
    cancelUrl: httpUrlFrom('STREAMING_CHECKOUT_CANCEL_URL', env.STREAMING_CHECKOUT_CANCEL_URL),
  };
  if (checkout.stripeSecretKey) {
    // Stripe redirects to real URLs: the built-in page is not there to fall back on.
    if (!checkout.successUrl || !checkout.cancelUrl)
      throw new Error(
        'STRIPE_SECRET_KEY requires STREAMING_CHECKOUT_SUCCESS_URL and STREAMING_CHECKOUT_CANCEL_URL',
      );
    const unpriced = STREAMING_PRODUCTS.filter((product) => !stripePrices[product.slug]);
    if (unpriced.length > 0)
      throw new Error(`STRIPE_PRICES has no price for ${unpriced.map((product) => product.slug).join(', ')}`);
  }
  const hlsUrlSecret = env.STREAMING_HLS_URL_SECRET || undefined;
  return { tenant, clientId, clientSecret, hlsUrlSecret, checkout };
}

function booleanFrom(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
}

function positiveIntegerFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1)
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  return number;
}

function trustProxyFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (/^\d+$/.test(value)) return Number(value);
  const flag = value.toLowerCase();
  if (['true', 'yes', 'on'].includes(flag)) return 1;
  if (['false', 'no', 'off'].includes(flag)) return 0;
  throw new Error(`TRUST_PROXY must be true, false or a number of proxies, got "${value}"`);
}

function publicUrlFrom(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol))
    throw new Error(`PUBLIC_URL must be an http(s) URL like https://api.example.com, got "${value}"`);
  // Links are built as PUBLIC_URL + path, so a trailing slash would double.
  return value.replace(/\/+$/, '');
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be 0-65535, got "${value}"`);
  return port;
}

/**
 * Production refuses to start without the settings whose development defaults would be unsafe:
 * links built from request headers, and sign-up codes written to the log by the outbox.
 */
function checkProduction(config: ServerConfig): void {
  if (!config.production) return;
  const missing = [
    ...(config.publicUrl ? [] : ['PUBLIC_URL (the base URL of links the server hands out)']),
    ...(config.mail.smtpUrl
      ? []
      : ['SMTP_URL (without it, sign-up codes would go to the log instead of the mailbox)']),
  ];
  if (missing.length > 0) throw new Error(`NODE_ENV=production requires ${missing.join(' and ')}`);
}

export function loadConfig(env: Env = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const production = env.NODE_ENV === 'production';
  const config: ServerConfig = {
    port: portFrom(env.PORT),
    host: env.HOST || '127.0.0.1',
    publicUrl: publicUrlFrom(env.PUBLIC_URL),
    trustProxy: trustProxyFrom(env.TRUST_PROXY),
    production,
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    s3: s3From(env),
    sharedDataDir: booleanFrom(env.SHARED_DATA_DIR, false),
    demoData: booleanFrom(env.DEMO_DATA, !production),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormatFrom(env.LOG_FORMAT),
    corsOrigins: corsOriginsFrom(env.CORS_ORIGINS, production),
    validateResponses: booleanFrom(env.VALIDATE_RESPONSES, false),
    tokenSecret: env.TOKEN_SECRET || undefined,
    devEndpoints: !production,
    mail: {
      smtpUrl: env.SMTP_URL || undefined,
      from: env.MAIL_FROM || 'music-apis <no-reply@music-apis.local>',
    },
    songs: {
      jwtSecret: env.SONGS_JWT_SECRET || undefined,
      streamUrlTtlSeconds: positiveIntegerFrom(
        'SONGS_STREAM_URL_TTL_SECONDS',
        env.SONGS_STREAM_URL_TTL_SECONDS,
        SONG_STREAM_URL_TTL_SECONDS,
      ),
    },
    collections: {
      apiKey: env.COLLECTIONS_API_KEY || undefined,
      maxAudioBytes: positiveIntegerFrom(
        'COLLECTIONS_MAX_AUDIO_BYTES',
        env.COLLECTIONS_MAX_AUDIO_BYTES,
        200 * 1024 * 1024,
      ),
      maxCoverBytes: positiveIntegerFrom(
        'COLLECTIONS_MAX_COVER_BYTES',
        env.COLLECTIONS_MAX_COVER_BYTES,
        10 * 1024 * 1024,
      ),
      uploadTtlSeconds: positiveIntegerFrom(
        'COLLECTIONS_UPLOAD_TTL_SECONDS',
        env.COLLECTIONS_UPLOAD_TTL_SECONDS,
        3600,
      ),
      webhooks: {
        timeoutMs: positiveIntegerFrom(
          'COLLECTIONS_WEBHOOK_TIMEOUT_MS',
          env.COLLECTIONS_WEBHOOK_TIMEOUT_MS,
          10_000,
        ),
        maxAttempts: positiveIntegerFrom(
          'COLLECTIONS_WEBHOOK_MAX_ATTEMPTS',
          env.COLLECTIONS_WEBHOOK_MAX_ATTEMPTS,
          10,
        ),
        retryBaseMs: positiveIntegerFrom(
          'COLLECTIONS_WEBHOOK_RETRY_BASE_MS',
          env.COLLECTIONS_WEBHOOK_RETRY_BASE_MS,
          30_000,
        ),
        retryMaxMs: positiveIntegerFrom(
          'COLLECTIONS_WEBHOOK_RETRY_MAX_MS',
          env.COLLECTIONS_WEBHOOK_RETRY_MAX_MS,
          3_600_000,
        ),
      },
      ffmpegPath: env.FFMPEG_PATH || 'ffmpeg',
    },
    streaming: streamingFrom(env, production),
    downloader: {
      authEnabled: booleanFrom(env.DOWNLOADER_ENABLE_AUTH, false),
      jwtSecret: env.DOWNLOADER_JWT_SECRET || undefined,
      tokenLifetimeHours: positiveIntegerFrom(
        'DOWNLOADER_JWT_EXPIRATION_HOURS',
        env.DOWNLOADER_JWT_EXPIRATION_HOURS,
        24,
      ),
      registrationDisabled: booleanFrom(env.DOWNLOADER_DISABLE_REGISTRATION, false),
      adminUsername: env.DOWNLOADER_ADMIN_USERNAME || 'admin',
      adminPassword: env.DOWNLOADER_ADMIN_PASSWORD || undefined,
      explicitFilter: booleanFrom(env.DOWNLOADER_EXPLICIT_FILTER, false),
      secretsKey: env.DOWNLOADER_SECRETS_KEY || undefined,
      downloadDir: env.DOWNLOADER_DOWNLOAD_DIR ? resolve(env.DOWNLOADER_DOWNLOAD_DIR) : undefined,
      sso: downloaderSsoFrom(env),
    },
    jobs: {
      pollIntervalMs: positiveIntegerFrom('JOB_POLL_INTERVAL_MS', env.JOB_POLL_INTERVAL_MS, 1000),
      concurrency: positiveIntegerFrom('JOB_CONCURRENCY', env.JOB_CONCURRENCY, 2),
      leaseMs: positiveIntegerFrom('JOB_LEASE_MS', env.JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
    },
    spotify: {
      clientId: env.SPOTIFY_CLIENT_ID || undefined,
      clientSecret: env.SPOTIFY_CLIENT_SECRET || undefined,
      apiUrl: env.SPOTIFY_API_URL || 'https://api.spotify.com',
      accountsUrl: env.SPOTIFY_ACCOUNTS_URL || 'https://accounts.spotify.com',
    },
  };
  const merged: ServerConfig = {
    ...config,
    ...overrides,
    mail: { ...config.mail, ...overrides.mail },
    songs: { ...config.songs, ...overrides.songs },
    collections: { ...config.collections, ...overrides.collections },
    streaming: { ...config.streaming, ...overrides.streaming },
    downloader: { ...config.downloader, ...overrides.downloader },
    jobs: { ...config.jobs, ...overrides.jobs },
    spotify: { ...config.spotify, ...overrides.spotify },
  };
  checkProduction(merged);
  return merged;
}

/** Every string in `value` that is a URL, masked; other values as they are. */
function maskUrls(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlSecrets(value);
  if (Array.isArray(value)) return value.map(maskUrls);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, maskUrls(entry)]));
  return value;
}

/**
 * The configuration as it is safe to print: secrets masked, and every URL (DATABASE_URL, SMTP_URL,
 * any other) without its password or secret query parameters.
 */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  const mask = (value: string | undefined) => (value ? '***' : undefined);
  return maskUrls({
    ...config,
    s3: config.s3 && { ...config.s3, secretAccessKey: mask(config.s3.secretAccessKey) },
    tokenSecret: mask(config.tokenSecret),
    songs: { ...config.songs, jwtSecret: mask(config.songs.jwtSecret) },
    collections: { ...config.collections, apiKey: mask(config.collections.apiKey) },
    spotify: { ...config.spotify, clientSecret: mask(config.spotify.clientSecret) },
    streaming: {
      ...config.streaming,
      clientSecret: mask(config.streaming.clientSecret),
      hlsUrlSecret: mask(config.streaming.hlsUrlSecret),
      checkout: {
        ...config.streaming.checkout,
        stripeSecretKey: mask(config.streaming.checkout.stripeSecretKey),
        stripeWebhookSecret: mask(config.streaming.checkout.stripeWebhookSecret),
      },
    },
    downloader: {
      ...config.downloader,
      jwtSecret: mask(config.downloader.jwtSecret),
      adminPassword: mask(config.downloader.adminPassword),
      secretsKey: mask(config.downloader.secretsKey),
      sso: {
        ...config.downloader.sso,
        google: config.downloader.sso.google && {
          ...config.downloader.sso.google,
          clientSecret: mask(config.downloader.sso.google.clientSecret),
        },
        github: config.downloader.sso.github && {
          ...config.downloader.sso.github,
          clientSecret: mask(config.downloader.sso.github.clientSecret),
        },
      },
    },
  }) as Record<string, unknown>;
}
