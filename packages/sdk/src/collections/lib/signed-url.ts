/**
 * Splits an absolute URL the API handed out (an upload or cover URL, possibly on another host
 * than the client's `baseUrl`) into the base URL it lives under and the arguments of the
 * operation whose path template it matches: path parameters from the path, the rest (the
 * signature) from the query.
 */
export function splitSignedUrl<TArgs>(url: string, template: string): { baseUrl: string; args: TArgs } {
  const parsed = new URL(url);
  const names: string[] = [];
  const pattern = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{([^}]+)\}/g, (_placeholder, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
  const match = new RegExp(`^(.*?)${pattern}$`).exec(parsed.pathname);
  if (!match) throw new TypeError(`Not a ${template} URL: ${url}`);
  const args: Record<string, string> = Object.fromEntries(parsed.searchParams);
  names.forEach((name, index) => {
    args[name] = decodeURIComponent(match[index + 2] ?? '');
  });
  // The operation's own arguments, as strings: the query serialises them back unchanged.
  return { baseUrl: parsed.origin + match[1], args: args as TArgs };
}
