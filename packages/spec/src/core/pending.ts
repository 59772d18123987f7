import type { ApiKey } from '../registry.gen.js';
import { HttpError } from './errors.js';

/**
 * Operations that are documented but not built yet, per API. An API can be built in parts (one
 * issue each): its finished operations are served while these answer 501 in the API's own
 * envelope, the same in the server and the mock. `GET /` lists them, the contract coverage gate
 * exempts them, and an API's entry goes when its last part lands.
 */
export const PENDING_OPERATIONS = {
  // An API built in parts lists here, `as const`, the operationIds of its parts still to build,
  // and spreads `pendingHandlers(PENDING_OPERATIONS.<api>)` after its built handlers.
} as const satisfies { readonly [Key in ApiKey]?: readonly string[] };

/** The operations of `api` still to build (none for a finished API). */
export function pendingOperations(api: ApiKey): readonly string[] {
  return (PENDING_OPERATIONS as { readonly [Key in ApiKey]?: readonly string[] })[api] ?? [];
}

/** Handlers that answer 501 for operations not built yet; spread them after the built ones. */
export function pendingHandlers<Id extends string>(
  operationIds: readonly Id[],
): { [Key in Id]: () => never } {
  const notBuilt = (operationId: string) => (): never => {
    throw new HttpError(501, `${operationId} is documented but not built yet in this reference server`);
  };
  return Object.fromEntries(operationIds.map((id) => [id, notBuilt(id)])) as { [Key in Id]: () => never };
}
