import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a high-entropy secret, key or token: the form they are stored and looked up in.
 * Enough for that much entropy; a slow password hash would buy nothing and cost every request.
 */
export const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');
