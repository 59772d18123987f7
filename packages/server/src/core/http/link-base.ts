import type { Context } from 'koa';

/**
 * The origin of the links the server hands out (upload, cover and stream URLs, the documents'
 * `servers`): `PUBLIC_URL` when set (required in production), else the request's own protocol and
 * `Host`. Never `X-Forwarded-Host`: any client can send it, and a link built from it would point
 * wherever the sender likes (cached answers, mails). The protocol follows `X-Forwarded-Proto`
 * only when `TRUST_PROXY` trusts a proxy (Koa's `app.proxy`).
 */
export function linkBase(ctx: Context, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const host = ctx.get('host');
  if (host) return `${ctx.protocol}://${host}`;
  // HTTP/1.0 sends no Host: the address and port the request reached.
  const { localAddress = '127.0.0.1', localPort } = ctx.req.socket;
  const address = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `${ctx.protocol}://${address}:${localPort}`;
}
