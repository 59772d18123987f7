/**
 * Finds the operation for a method + path in time proportional to the path's length, however
 * many operations are loaded (MSW's own matching tries each handler in turn). Literal segments
 * win over `{param}` segments, so `/api/prgs/list` is never taken for `/api/prgs/{id}`.
 */
interface Node<T> {
  literal: Map<string, Node<T>>;
  param?: { name: string; node: Node<T> };
  values: Map<string, T>;
}

const newNode = <T>(): Node<T> => ({ literal: new Map(), values: new Map() });

export interface RouteMatch<T> {
  value: T;
  params: Record<string, string>;
}

export class RouteTable<T> {
  private readonly root: Node<T> = newNode();

  /** `template` in OpenAPI form: `/api/track/metadata/{isrc}`. */
  add(method: string, template: string, value: T): void {
    let node = this.root;
    for (const segment of template.split('/').slice(1)) {
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        node.param ??= { name: param[1] as string, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literal.get(segment);
        if (!next) {
          next = newNode();
          node.literal.set(segment, next);
        }
        node = next;
      }
    }
    node.values.set(method.toUpperCase(), value);
  }

  /** The route for `pathname`; `allowed` lists the methods of a path that exists under other methods. */
  match(method: string, pathname: string): RouteMatch<T> | { allowed: string[] } | undefined {
    const node = this.find(this.root, pathname.split('/').slice(1), 0, {});
    if (!node) return undefined;
    const value = node.node.values.get(method.toUpperCase());
    return value === undefined ? { allowed: [...node.node.values.keys()] } : { value, params: node.params };
  }

  private find(
    node: Node<T>,
    segments: string[],
    index: number,
    params: Record<string, string>,
  ): { node: Node<T>; params: Record<string, string> } | undefined {
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
      return this.find(node.param.node, segments, index + 1, { ...params, [node.param.name]: value });
    }
    return undefined;
  }
}
