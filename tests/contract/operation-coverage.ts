import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { FINISHED_APIS, SUITES } from './suites.js';

/**
 * Which scenarios cover each operationId of openapi/. Printed by `pnpm coverage:operations`;
 * `coverage.test.ts` fails when an operation of a finished API has no scenario.
 */
const openapiDirectory = join(dirname(fileURLToPath(import.meta.url)), '../../openapi');

export interface OperationCoverage {
  document: string;
  operationId: string;
  method: string;
  path: string;
  scenarios: string[];
}

export function operationCoverage(): OperationCoverage[] {
  const rows: OperationCoverage[] = [];
  const documents = readdirSync(openapiDirectory).filter(
    (file) => file.endsWith('.yaml') && file !== 'redocly.yaml',
  );
  for (const file of documents.sort()) {
    const document = file.replace(/\.yaml$/, '');
    const parsed = parseYaml(readFileSync(join(openapiDirectory, file), 'utf8')) as {
      paths?: Record<string, Record<string, { operationId?: string }>>;
    };
    const suite = SUITES.find((candidate) => candidate.document === document);
    for (const [path, item] of Object.entries(parsed.paths ?? {})) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation?.operationId) continue;
        const scenarios = (suite?.scenarios ?? [])
          .filter((scenario) => scenario.covers.includes(operation.operationId as string))
          .map((scenario) => scenario.name);
        rows.push({
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

/** Operations of finished APIs that no scenario covers. */
export function uncoveredFinishedOperations(rows = operationCoverage()): OperationCoverage[] {
  return rows.filter((row) => FINISHED_APIS.includes(row.document) && row.scenarios.length === 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = operationCoverage();
  for (const document of new Set(rows.map((row) => row.document))) {
    const documentRows = rows.filter((row) => row.document === document);
    const covered = documentRows.filter((row) => row.scenarios.length > 0).length;
    const status = FINISHED_APIS.includes(document) ? 'finished' : 'in progress';
    console.log(`\n${document} (${status}): ${covered}/${documentRows.length} operations covered`);
    for (const row of documentRows) {
      const mark = row.scenarios.length > 0 ? '✓' : '✗';
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
