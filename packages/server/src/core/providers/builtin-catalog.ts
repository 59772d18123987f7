import { type Catalog, coverJpeg } from '@music-apis/catalog';
import { createDemoSpotifyCatalog } from '@music-apis/domain';
import { jwtVerify, SignJWT } from 'jose';
import { type CatalogProvider, CatalogUnavailableError, InvalidCatalogTokenError } from './catalog.js';

const TOKEN_LIFETIME_SECONDS = 3600;
const AUDIENCE = 'music-apis:catalog';

/** The offline demo catalog. Its access tokens are HS256 JWTs signed with the server's secret. */
export function createBuiltinCatalogProvider(catalog: Catalog, secret: Uint8Array): CatalogProvider {
  return {
    name: 'builtin',
    spotify: createDemoSpotifyCatalog(catalog),
    async issueAccessToken() {
      const token = await new SignJWT({ scope: 'catalog:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setAudience(AUDIENCE)
        .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
        .sign(secret);
      return { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
    },
    async findTrackByIsrc(isrc, accessToken) {
      try {
        await jwtVerify(accessToken, secret, { audience: AUDIENCE, algorithms: ['HS256'] });
      } catch {
        throw new InvalidCatalogTokenError('The access token is invalid or expired');
      }
      return catalog.findTrackByIsrc(isrc);
    },
    async fetchCoverImage(url) {
      const album = catalog.findAlbumByCoverUrl(url);
      if (!album) throw new CatalogUnavailableError(`The catalog has no image at ${url}`);
      return coverJpeg(album.coverIndex);
    },
  };
}
