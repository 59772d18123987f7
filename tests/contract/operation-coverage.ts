import { fileURLToPath } from 'node:url';
import { type ApiKey, apiRegistry, pendingOperations } from '@music-apis/spec';
import { documents } from '@music-apis/spec/documents';
import { FINISHED_APIS, SUITES_BY_API } from './suites.js';

/**
 * Which scenarios cover each operationId of openapi/. Printed by `pnpm coverage:operations`;
 * `coverage.test.ts` fails when an operation of a finished API has no scenario.
 */
export interface OperationCoverage {
  api: ApiKey;
  /** File name in openapi/, e.g. `track-manager`. */
  document: string;
  operationId: string;
  method: string;
  path: string;
  scenarios: string[];
}

export function operationCoverage(): OperationCoverage[] {
  const rows: OperationCoverage[] = [];
  for (const { key, name: document } of apiRegistry) {
    const suite = SUITES_BY_API[key];
    for (const [path, item] of Object.entries(documents[key].paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { operationId?: string }>)) {
        if (!operation?.operationId) continue;
        const scenarios = (suite?.scenarios ?? [])
          .filter((scenario) => scenario.covers.includes(operation.operationId as string))
          .map((scenario) => scenario.name);
        rows.push({
          api: key,
          document,
          operationId: operation.operationId,
          method: method.toUpperCase(),
          path,
          scenarios,
        });
      }
    }
  }
  return rows;
}

/** Operations of served APIs that no scenario covers (operations not built yet excepted). */
export function uncoveredFinishedOperations(rows = operationCoverage()): OperationCoverage[] {
  return rows.filter(
    (row) =>
      FINISHED_APIS.includes(row.api) &&
      !pendingOperations(row.api).includes(row.operationId) &&
      row.scenarios.length === 0,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = operationCoverage();
  for (const document of new Set(rows.map((row) => row.document))) {
    const documentRows = rows.filter((row) => row.document === document);
    const covered = documentRows.filter((row) => row.scenarios.length > 0).length;
    const api = documentRows[0]!.api;
    const pending = pendingOperations(api).length;
    const status = !FINISHED_APIS.includes(api)
      ? 'not served yet'
      : pending > 0
        ? `served: must be covered, except ${pending} operations not built yet`
        : 'served: must be covered';
    console.log(`\n${document} (${status}): ${covered}/${documentRows.length} operations covered`);
    for (const row of documentRows) {
      const mark =
        row.scenarios.length > 0 ? '✓' : pendingOperations(api).includes(row.operationId) ? '·' : '✗';
      console.log(
        `  ${mark} ${row.operationId.padEnd(36)} ${row.method.padEnd(6)} ${row.path}  (${row.scenarios.length} scenarios)`,
      );
    }
  }
  const uncovered = uncoveredFinishedOperations(rows);
  if (uncovered.length > 0) {
    console.error(
      `\nUncovered operations in finished APIs: ${uncovered.map((row) => row.operationId).join(', ')}`,
    );
    process.exit(1);
  }
}
