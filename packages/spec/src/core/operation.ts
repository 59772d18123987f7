/** One row of a generated operation table (`<api>/operations.gen.ts`). */
export interface ParameterSpec {
  /** As documented; header names are matched case-insensitively. */
  readonly name: string;
  readonly in: 'query' | 'path' | 'header' | 'cookie';
  readonly required: boolean;
  readonly array: boolean;
  /** OpenAPI serialisation: query arrays with `explode: false` arrive comma-separated. */
  readonly style: string;
  readonly explode: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface OperationSpec {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** As in the document: `/api/track/metadata/{isrc}`. */
  readonly path: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly deprecated: boolean;
  /**
   * Alternatives, each the scheme names that must all hold; `[]` means public, and an empty
   * alternative (`[[], ['bearerAuth']]`) means credentials are optional.
   */
  readonly security: readonly (readonly string[])[];
  readonly parameters: readonly ParameterSpec[];
  readonly requestBody?: { readonly required: boolean; readonly mediaTypes: readonly string[] };
  /** Whether schema defaults fill in the body (creates) or not (updates keep what they omit). */
  readonly fillBodyDefaults: boolean;
  /** Documented statuses (or `default`, `4XX`) and their media types. */
  readonly responses: Readonly<Record<string, readonly string[]>>;
}

/** True when the operation takes no credentials at all. */
export const isPublic = (operation: OperationSpec): boolean => operation.security.length === 0;

/** True when credentials are optional: sent ones are checked, none is fine. */
export const isAuthOptional = (operation: OperationSpec): boolean =>
  operation.security.some((alternative) => alternative.length === 0);
