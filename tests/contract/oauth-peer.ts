import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny local stand-in for Google's and GitHub's OAuth endpoints, for the server targets of the
 * contract suite (the server calls them over HTTP; the real hosts are never reached). It follows
 * the mock's convention (`downloaderMockSsoCode`): a code `email:<address>` signs in that verified
 * address; any other code is refused. GitHub's profile has no email, so the server reads the
 * primary verified one from `/user/emails`, as for a user with a private address.
 */
export async function startOAuthPeer() {
  const emailOf = (code: string | null) =>
    code?.startsWith('email:') ? code.slice('email:'.length) : undefined;
  const tokenOf = (email: string) => Buffer.from(email).toString('base64url');
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://peer');
    let body = '';
    for await (const chunk of request) body += chunk;
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const bearer = Buffer.from(
      (request.headers.authorization ?? '').replace(/^Bearer /, ''),
      'base64url',
    ).toString();
    if (request.method === 'POST' && (url.pathname === '/google/token' || url.pathname === '/github/token')) {
      const email = emailOf(new URLSearchParams(body).get('code'));
      if (!email) return json(url.pathname === '/github/token' ? 200 : 400, { error: 'invalid_grant' });
      return json(200, { access_token: tokenOf(email), token_type: 'Bearer' });
    }
    if (!bearer.includes('@')) return json(401, { error: 'invalid_token' });
    if (url.pathname === '/google/userinfo')
      return json(200, { sub: `peer-${bearer.toLowerCase()}`, email: bearer, email_verified: true });
    if (url.pathname === '/github/user') {
      const id = [...bearer.toLowerCase()].reduce(
        (hash, char) => (hash * 31 + char.charCodeAt(0)) % 2 ** 31,
        7,
      );
      return json(200, { id, login: bearer.split('@')[0], email: null });
    }
    if (url.pathname === '/github/user/emails')
      return json(200, [{ email: bearer, primary: true, verified: true }]);
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    /** The server's environment pointing both providers here. */
    env: {
      DOWNLOADER_GOOGLE_CLIENT_ID: 'contract-google-client',
      DOWNLOADER_GOOGLE_CLIENT_SECRET: 'contract-google-secret',
      DOWNLOADER_GOOGLE_AUTHORIZE_URL: `${base}/google/authorize`,
      DOWNLOADER_GOOGLE_TOKEN_URL: `${base}/google/token`,
      DOWNLOADER_GOOGLE_USERINFO_URL: `${base}/google/userinfo`,
      DOWNLOADER_GITHUB_CLIENT_ID: 'contract-github-client',
      DOWNLOADER_GITHUB_CLIENT_SECRET: 'contract-github-secret',
      DOWNLOADER_GITHUB_AUTHORIZE_URL: `${base}/github/authorize`,
      DOWNLOADER_GITHUB_TOKEN_URL: `${base}/github/token`,
      DOWNLOADER_GITHUB_USERINFO_URL: `${base}/github/user`,
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
