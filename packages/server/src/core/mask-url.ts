import { isSecretParameter } from './http/request-log.js';

/**
 * A URL as it is safe to print (the configuration at start, the operator commands in the banner):
 * the password of its user info and the value of every secret-looking query parameter
 * (`?password=`, `sslkey=`, `X-Amz-Signature=`…, the request log's rule) become `***`. Anything that
 * is not an absolute URL comes back unchanged, and so does a URL with nothing to mask.
 */
export function maskUrlSecrets(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  // Not a WHATWG URL (e.g. an unescaped character in the password): mask the user info by its shape.
  if (!URL.canParse(value)) return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  const url = new URL(value);
  const secretParameters = [...new Set(url.searchParams.keys())].filter(isSecretParameter);
  if (!url.password && secretParameters.length === 0) return value;
  if (url.password) url.password = '***';
  for (const name of secretParameters) url.searchParams.set(name, '***');
  // URL escapes the asterisks; put them back so the mask reads as one.
  return url.toString().replaceAll('%2A%2A%2A', '***');
}
