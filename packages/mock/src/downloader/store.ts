import {
  type DownloadAccount,
  type DownloaderStore,
  type DownloaderUserRecord,
  type SpotifyApiCredentials,
  SSO_STATE_TTL_SECONDS,
  type SsoProviderName,
  type StoredConfig,
  type UserChangeOutcome,
} from '@music-apis/domain';

/** The downloader's data in memory: what the server keeps in SQL, in maps. */
export interface DownloaderMockData {
  users: Map<string, DownloaderUserRecord>;
  config: StoredConfig | undefined;
  /** By `<service>/<name>`. */
  accounts: Map<string, DownloadAccount>;
  spotifyApi: SpotifyApiCredentials | undefined;
  /** Started SSO sign-ins, by OAuth state. */
  ssoStates: Map<string, { provider: SsoProviderName; expiresAt: number }>;
}

const clone = <Value>(value: Value): Value => structuredClone(value);
const accountKey = (service: string, name: string) => `${service}/${name}`;

export function createMockDownloaderStore(data: DownloaderMockData): DownloaderStore {
  const adminCount = () => [...data.users.values()].filter((user) => user.role === 'admin').length;
  function keepingAnAdmin(username: string, losesAdmin: boolean, change: () => void): UserChangeOutcome {
    const user = data.users.get(username);
    if (!user) return 'not-found';
    if (losesAdmin && user.role === 'admin' && adminCount() <= 1) return 'last-admin';
    change();
    return 'changed';
  }
  return {
    users: {
      find: async (username) => clone(data.users.get(username)),
      list: async () =>
        [...data.users.values()].sort((a, b) => (a.username < b.username ? -1 : 1)).map(clone),
      count: async () => data.users.size,
      async insert(user) {
        if (data.users.has(user.username)) return false;
        data.users.set(user.username, clone(user));
        return true;
      },
      async update(username, changes) {
        const user = data.users.get(username);
        if (!user) return false;
        data.users.set(username, { ...user, ...clone(changes) });
        return true;
      },
      removeKeepingAnAdmin: async (username) =>
        keepingAnAdmin(username, true, () => data.users.delete(username)),
      setRoleKeepingAnAdmin: async (username, role) =>
        keepingAnAdmin(username, role !== 'admin', () => {
          data.users.set(username, { ...data.users.get(username)!, role });
        }),
      findByEmail: async (email) =>
        clone(
          [...data.users.values()]
            .sort((a, b) => (a.username < b.username ? -1 : 1))
            .find((user) => user.email?.toLowerCase() === email.toLowerCase()),
        ),
      findBySso: async (provider, ssoId) =>
        clone([...data.users.values()].find((user) => user.ssoProvider === provider && user.ssoId === ssoId)),
      async linkSso(username, provider, ssoId, lastLogin) {
        const user = data.users.get(username);
        const taken = [...data.users.values()].some(
          (other) => other.username !== username && other.ssoProvider === provider && other.ssoId === ssoId,
        );
        if (!user || taken) return false;
        data.users.set(username, { ...user, ssoProvider: provider, ssoId, lastLogin });
        return true;
      },
      async unlinkSso(username, provider) {
        const user = data.users.get(username);
        if (user?.ssoProvider !== provider) return false;
        data.users.set(username, { ...user, ssoProvider: null, ssoId: null });
        return true;
      },
    },
    sso: {
      async save({ state, provider, expiresAt }) {
        // Forget the ones expired by now (the mock's clock: this one was made `SSO_STATE_TTL_SECONDS` ago).
        const now = expiresAt - SSO_STATE_TTL_SECONDS * 1000;
        for (const [key, saved] of data.ssoStates) if (saved.expiresAt <= now) data.ssoStates.delete(key);
        data.ssoStates.set(state, { provider, expiresAt });
      },
      async consume(state, provider, now) {
        const saved = data.ssoStates.get(state);
        if (!saved || saved.provider !== provider || saved.expiresAt <= now) return false;
        return data.ssoStates.delete(state);
      },
    },
    config: {
      read: async () => clone(data.config),
      async update(change) {
        const next = change(clone(data.config));
        data.config = clone(next);
        return clone(next);
      },
    },
    credentials: {
      names: async (service) =>
        [...data.accounts.values()]
          .filter((account) => account.service === service)
          .map((account) => account.name)
          .sort(),
      get: async (service, name) => clone(data.accounts.get(accountKey(service, name))),
      async insert(account) {
        const key = accountKey(account.service, account.name);
        if (data.accounts.has(key)) return false;
        data.accounts.set(key, clone(account));
        return true;
      },
      async replace(account) {
        const key = accountKey(account.service, account.name);
        if (!data.accounts.has(key)) return false;
        data.accounts.set(key, clone(account));
        return true;
      },
      remove: async (service, name) => data.accounts.delete(accountKey(service, name)),
      readSpotifyApi: async () => clone(data.spotifyApi),
      async writeSpotifyApi(credentials) {
        data.spotifyApi = clone(credentials);
      },
    },
  };
}
