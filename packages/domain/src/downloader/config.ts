import type { components } from '@music-apis/spec/downloader';
import { downloaderError } from './errors.js';
import type { StoredConfig } from './store.js';

/**
 * The main and watch configuration as the original keeps them (`main.json`): every key with its
 * default, legacy snake_case keys migrated, updates shallow-merged, and only the original's rules
 * checked (`validate_config`, `validate_watch_config`); everything else is stored as sent.
 */

export type DownloaderConfig = components['schemas']['Config'];
export type DownloaderWatchConfig = components['schemas']['WatchConfig'];

export const DOWNLOADER_VERSION = '3.3.0';

export const WATCH_DEFAULTS = {
  enabled: false,
  watchPollIntervalSeconds: 3600,
  maxTracksPerRun: 50,
  watchedArtistAlbumGroup: ['album', 'single'],
  delayBetweenPlaylistsSeconds: 2,
  delayBetweenArtistsSeconds: 5,
  useSnapshotIdChecking: true,
  maxItemsPerRun: 50,
} as const satisfies DownloaderWatchConfig;

export const CONFIG_DEFAULTS = {
  service: 'spotify',
  version: DOWNLOADER_VERSION,
  spotify: '',
  deezer: '',
  fallback: false,
  spotifyQuality: 'NORMAL',
  deezerQuality: 'MP3_128',
  realTime: false,
  customDirFormat: '%ar_album%/%album%',
  customTrackFormat: '%tracknum%. %music%',
  tracknumPadding: true,
  saveCover: true,
  maxConcurrentDownloads: 3,
  maxRetries: 3,
  retryDelaySeconds: 5,
  retryDelayIncrease: 5,
  convertTo: null,
  bitrate: null,
  artistSeparator: '; ',
  recursiveQuality: false,
  spotifyMetadata: true,
  separateTracksByUser: false,
  realTimeMultiplier: 0,
  padNumberWidth: 3,
} as const;

/** Snake_case keys of older versions and the camelCase key each became. */
const LEGACY_KEYS: Record<string, string> = {
  tracknum_padding: 'tracknumPadding',
  save_cover: 'saveCover',
  retry_delay_increase: 'retryDelayIncrease',
  artist_separator: 'artistSeparator',
  recursive_quality: 'recursiveQuality',
  spotify_metadata: 'spotifyMetadata',
  real_time_multiplier: 'realTimeMultiplier',
  pad_number_width: 'padNumberWidth',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Legacy keys renamed to their camelCase form (the camelCase one wins when both are there). */
export function migrateLegacyConfigKeys(config: StoredConfig): StoredConfig {
  const migrated: StoredConfig = {};
  for (const [key, value] of Object.entries(config)) {
    const modern = LEGACY_KEYS[key];
    if (modern === undefined) migrated[key] = value;
    else if (!(modern in config)) migrated[modern] = value;
  }
  return migrated;
}

/** The watch block with defaults filled in and `maxItemsPerRun` clamped to 1..50, as it is read. */
export function watchConfigView(saved: unknown): DownloaderWatchConfig {
  const watch = { ...WATCH_DEFAULTS, ...(isObject(saved) ? saved : {}) } as DownloaderWatchConfig;
  const items = Number(watch.maxItemsPerRun);
  watch.maxItemsPerRun = Number.isFinite(items) ? Math.min(50, Math.max(1, Math.trunc(items))) : 50;
  return watch;
}

/** The full configuration: defaults under the saved keys, the watch block filled in. */
export function configView(
  saved: StoredConfig | undefined,
  explicitFilter: boolean | undefined,
): DownloaderConfig {
  const stored = migrateLegacyConfigKeys(saved ?? {});
  const { explicitFilter: _stored, ...rest } = stored;
  // The original injects EXPLICIT_FILTER on every save; it is absent until the first one.
  const filter = saved !== undefined && explicitFilter !== undefined ? { explicitFilter } : {};
  return {
    ...CONFIG_DEFAULTS,
    ...rest,
    ...filter,
    version: DOWNLOADER_VERSION,
    watch: watchConfigView(stored.watch),
  } as DownloaderConfig;
}

/** What the rules need to know about the saved accounts. */
export interface AccountPresence {
  spotifyAccounts: number;
  deezerAccounts: number;
  spotifyApiConfigured: boolean;
}

/** `validate_config`: the reason the update is refused, or undefined. */
export function configProblem(
  update: StoredConfig,
  merged: StoredConfig,
  accounts: AccountPresence,
): string | undefined {
  const multiplier = update.realTimeMultiplier ?? update.real_time_multiplier;
  if (
    multiplier !== undefined &&
    !(Number.isInteger(multiplier) && (multiplier as number) >= 0 && (multiplier as number) <= 10)
  )
    return 'realTimeMultiplier must be an integer between 0 and 10';
  if (update.fallback === true) {
    if (accounts.spotifyAccounts === 0 || !accounts.spotifyApiConfigured || accounts.deezerAccounts === 0)
      return 'Fallback requires a Spotify account, the global Spotify API credentials and a Deezer account.';
  }
  // The original checks the *body* here, so with watch on it refuses every partial save that does
  // not repeat realTime or fallback (the UI's Formatting tab, say). The rule's intent is checked
  // instead: the configuration that would be saved keeps one of them on.
  if (watchConfigView(merged.watch).enabled && !merged.realTime && !merged.fallback)
    return 'Watch is enabled; realTime or fallback must be enabled.';
  return undefined;
}

/** `validate_watch_config`: the reason the watch update is refused, or undefined. */
export function watchConfigProblem(
  update: StoredConfig,
  saved: DownloaderConfig,
  accounts: AccountPresence,
): string | undefined {
  if (update.enabled === true && !saved.realTime && !saved.fallback)
    return 'Enabling watch requires realTime or fallback to be enabled in the main configuration.';
  if (
    update.enabled === true &&
    saved.fallback &&
    (accounts.spotifyAccounts === 0 || accounts.deezerAccounts === 0)
  )
    return 'Watch with fallback requires both a Spotify and a Deezer account.';
  return undefined;
}

/** A body that is not a JSON object: the original's "Invalid config format". */
export function checkConfigObject(body: unknown): StoredConfig {
  if (!isObject(body)) throw downloaderError(400, 'Invalid config format');
  return body;
}

/** The shallow merge of a main-configuration update (read-only keys are not taken from the body). */
export function mergeConfig(saved: StoredConfig | undefined, update: StoredConfig): StoredConfig {
  const { version: _version, explicitFilter: _explicitFilter, ...changes } = migrateLegacyConfigKeys(update);
  return { ...migrateLegacyConfigKeys(saved ?? {}), ...changes };
}

/** The merge of a watch update into the saved `watch` block. */
export function mergeWatchConfig(saved: StoredConfig | undefined, update: StoredConfig): StoredConfig {
  const current = migrateLegacyConfigKeys(saved ?? {});
  const watch = isObject(current.watch) ? current.watch : {};
  return { ...current, watch: { ...watch, ...update } };
}
