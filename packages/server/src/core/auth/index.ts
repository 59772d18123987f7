export { createJwtSigner, InvalidJwtError, type IssuedJwt, type JwtClaims, type JwtSigner } from './jwt.js';
export { hashPassword, verifyPassword } from './password.js';
export { createRateLimiter, type RateLimiter } from './rate-limiter.js';
