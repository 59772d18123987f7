import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import { downloaderError } from './errors.js';
import type { CredentialService, DownloadAccount, SpotifyApiCredentials } from './store.js';

/** Download accounts (Spotify login blobs, Deezer ARLs): the views, the body rules, the login check. */

export type CredentialFields = components['schemas']['CredentialFields'];
export type CredentialView = components['schemas']['Credential'];

/**
 * The live login check of an account (deezspot upstream). The server's default is the offline
 * check below; a real one logs in to the service. Returns why the login failed, or undefined.
 */
export interface AccountLoginCheck {
  check(account: DownloadAccount, spotifyApi: SpotifyApiCredentials | undefined): Promise<string | undefined>;
}

/** An ARL is the hex `arl` cookie of a Deezer session (192 characters for real accounts). */
const ARL = /^[0-9a-f]{64,512}$/i;

/**
 * The offline login check: accepts any well-formed credential without calling out, refuses a
 * malformed one with the reason a real login would give.
 */
export const offlineAccountLoginCheck: AccountLoginCheck = {
  async check(account) {
    if (account.service === 'deezer')
      return ARL.test(account.arl) ? undefined : 'the ARL is not a Deezer session cookie (hex)';
    const blob = typeof account.blob === 'string' ? parseBlob(account.blob) : account.blob;
    if (!blob) return 'blob_content is not a JSON object';
    const secret = blob.auth_data ?? blob.credentials;
    if (
      typeof blob.username !== 'string' ||
      blob.username === '' ||
      typeof secret !== 'string' ||
      secret === ''
    )
      return 'blob_content must be a librespot credentials blob with username and auth_data';
    return undefined;
  },
};

function parseBlob(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The account a create body describes; throws the original's 400 for a missing secret. */
export function accountFromBody(
  service: CredentialService,
  name: string,
  body: CredentialFields,
  verb: 'create' | 'update',
  existing?: DownloadAccount,
): DownloadAccount {
  const region = body.region !== undefined ? body.region : (existing?.region ?? null);
  if (service === 'spotify') {
    if (body.arl !== undefined)
      throw couldNot(verb, 'arl is a Deezer field; a Spotify account takes blob_content');
    const blob = body.blob_content ?? (existing?.service === 'spotify' ? existing.blob : undefined);
    if (blob === undefined) throw couldNot(verb, 'blob_content is required for a Spotify account');
    return { service, name, region, blob };
  }
  if (body.blob_content !== undefined)
    throw couldNot(verb, 'blob_content is a Spotify field; a Deezer account takes arl');
  const arl = body.arl ?? (existing?.service === 'deezer' ? existing.arl : undefined);
  if (arl === undefined) throw couldNot(verb, 'arl is required for a Deezer account');
  return { service, name, region, arl };
}

export const couldNot = (verb: 'create' | 'update', reason: string) =>
  downloaderError(400, `Could not ${verb} credential: ${reason}`);

export const credentialNotFound = (service: CredentialService, name: string) =>
  new HttpError(404, `No ${service} credential found with name '${name}'`);

export function toCredentialView(account: DownloadAccount): CredentialView {
  if (account.service === 'deezer') return { name: account.name, region: account.region, arl: account.arl };
  const blob = typeof account.blob === 'string' ? (parseBlob(account.blob) ?? null) : account.blob;
  return {
    name: account.name,
    region: account.region,
    blob_content: blob,
    // Where the original keeps it (data/creds/blobs/<name>/credentials.json); here it is in the database.
    blob_file_path: `data/creds/blobs/${account.name}/credentials.json`,
  };
}

export function credentialChange(
  status: 'created' | 'updated' | 'deleted',
  service: CredentialService,
  name: string,
): components['schemas']['CredentialChange'] {
  const message =
    status === 'deleted'
      ? `Credential '${name}' (${service}) deleted successfully.`
      : `Credential for '${name}' (${service}) ${status} successfully.`;
  return { message, details: { status, service, name } };
}
