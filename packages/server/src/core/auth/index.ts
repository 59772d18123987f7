export { createJwtSigner, InvalidJwtError, type IssuedJwt, type JwtClaims, type JwtSigner } from './jwt.js';
export { hashPassword, PASSWORD_HASHING, verifyPassword } from './password.js';
export { createRateLimiter, type RateLimiter, rateLimitsMigration } from './rate-limiter.js';
export { hashToken } from './token-hash.js';
