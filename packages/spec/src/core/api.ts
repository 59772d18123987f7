import type { OperationSpec } from './operation.js';
import type { OperationValidators } from './request.js';

/**
 * One API as the spec package describes it: its operation table and validators, generated from
 * its document. `Operations` is the `operations` interface openapi-typescript generated.
 */
export interface ApiSpec<Table extends Record<string, OperationSpec> = Record<string, OperationSpec>> {
  /** Registry key, e.g. `trackManager`. */
  readonly key: string;
  /** Document name in openapi/, e.g. `track-manager`. */
  readonly name: string;
  readonly title: string;
  /**
   * The document's `x-catch-all-prefix`: unknown paths under it that no other API's namespace
   * holds get this API's 404 envelope (the collections API owns `/v1/` beside the songs API).
   */
  readonly catchAllPrefix?: string;
  readonly operations: Table;
  readonly validators: { readonly [Id in keyof Table]: OperationValidators };
}

/** An OpenAPI 3.1 document as parsed JSON (only the parts the toolkit reads are typed). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; summary?: string; description?: string };
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}
