/**
 * Finds the operation for a method + path in time proportional to the path's length, however many
 * operations are loaded. Literal segments win over `{param}` segments, so `/api/prgs/list` is never
 * taken for `/api/prgs/{id}`. One table holds every API: ownership is by path template.
 */
interface Node<T> {
  literal: Map<string, Node<T>>;
  /** Any `{param}` segment: templates differing only by a parameter's name share the node. */
  param?: Node<T>;
  /** By method: the value and its template's parameter names, in path order. */
  values: Map<string, { value: T; names: string[] }>;
}

const newNode = <T>(): Node<T> => ({ literal: new Map(), values: new Map() });

export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string> }
  /** The path exists, under other methods. */
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export class RouteTable<T> {
  private readonly root: Node<T> = newNode();

  /** `template` in OpenAPI form: `/api/track/metadata/{isrc}`. Throws when the route is taken. */
  add(method: string, template: string, value: T, describe: (existing: T) => string = String): void {
    let node = this.root;
    const names: string[] = [];
    for (const segment of template.split('/').slice(1)) {
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        names.push(param[1] as string);
        node.param ??= newNode();
        node = node.param;
      } else {
        let next = node.literal.get(segment);
        if (!next) {
          next = newNode();
          node.literal.set(segment, next);
        }
        node = next;
      }
    }
    const existing = node.values.get(method.toUpperCase());
    if (existing !== undefined) {
      throw new Error(
        `${method.toUpperCase()} ${template} is claimed twice: by ${describe(existing.value)} and ${describe(value)}`,
      );
    }
    node.values.set(method.toUpperCase(), { value, names });
  }

  match(method: string, pathname: string): RouteMatch<T> {
    const found = this.find(this.root, pathname.split('/').slice(1), 0, []);
    if (!found) return { kind: 'not-found' };
    const entry = found.node.values.get(method.toUpperCase());
    if (entry === undefined) return { kind: 'method-not-allowed', allowed: [...found.node.values.keys()] };
    const params = Object.fromEntries(
      entry.names.map((name, position) => [name, found.params[position] as string]),
    );
    return { kind: 'found', value: entry.value, params };
  }

  private find(
    node: Node<T>,
    segments: string[],
    index: number,
    params: string[],
  ): { node: Node<T>; params: string[] } | undefined {
    if (index === segments.length) return node.values.size > 0 ? { node, params } : undefined;
    const segment = segments[index] as string;
    const literal = node.literal.get(segment);
    const viaLiteral = literal && this.find(literal, segments, index + 1, params);
    if (viaLiteral) return viaLiteral;
    if (node.param && segment !== '') {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
      return this.find(node.param, segments, index + 1, [...params, value]);
    }
    return undefined;
  }
}

/**
 * Which API an unmatched path belongs to: the one whose templates share the longest run of literal
 * leading segments with it (at least two, `/v1/songs`), ties going to the API with more operations
 * there; failing that, the API with the longest `catchAllPrefix` the path starts with (two APIs
 * share `/v1/`, so one segment alone cannot say whose a path is). `undefined` outside every API's
 * namespace.
 */
export function namespaceOwner<Key extends string>(
  apis: readonly { key: Key; paths: readonly string[]; catchAllPrefix?: string }[],
  pathname: string,
): Key | undefined {
  const segments = pathname.split('/').slice(1);
  let best: { key: Key; depth: number; count: number } | undefined;
  for (const api of apis) {
    let depth = 0;
    let count = 0;
    for (const template of api.paths) {
      const shared = sharedLiteralSegments(template.split('/').slice(1), segments);
      if (shared > depth) [depth, count] = [shared, 1];
      else if (shared === depth) count += 1;
    }
    if (depth >= 2 && (!best || depth > best.depth || (depth === best.depth && count > best.count))) {
      best = { key: api.key, depth, count };
    }
  }
  if (best) return best.key;
  let catchAll: { key: Key; prefix: string } | undefined;
  for (const { key, catchAllPrefix: prefix } of apis) {
    if (prefix && pathname.startsWith(prefix) && prefix.length > (catchAll?.prefix.length ?? 0)) {
      catchAll = { key, prefix };
    }
  }
  return catchAll?.key;
}

/**
 * Start-up check: two APIs may not claim one catch-all prefix (whose 404 would it be?), as two may
 * not claim one method and path.
 */
export function assertDistinctCatchAllPrefixes(
  apis: readonly { key: string; catchAllPrefix?: string }[],
): void {
  const owners = new Map<string, string>();
  for (const { key, catchAllPrefix } of apis) {
    if (catchAllPrefix === undefined) continue;
    const taken = owners.get(catchAllPrefix);
    if (taken !== undefined) {
      throw new Error(`The catch-all prefix ${catchAllPrefix} is claimed twice: by ${taken} and ${key}`);
    }
    owners.set(catchAllPrefix, key);
  }
}

function sharedLiteralSegments(template: string[], segments: string[]): number {
  let shared = 0;
  while (shared < template.length && shared < segments.length) {
    const part = template[shared] as string;
    if (part.startsWith('{') || part !== segments[shared]) break;
    shared += 1;
  }
  return shared;
}
