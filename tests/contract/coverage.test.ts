import { readFileSync } from 'node:fs';
import { apiRegistry } from '@music-apis/spec';
import { expect, it } from 'vitest';
import { operationCoverage, uncoveredFinishedOperations } from './operation-coverage.js';
import { FINISHED_APIS, SUITES } from './suites.js';

it('every operation of a finished API is covered by a contract scenario', () => {
  expect(uncoveredFinishedOperations().map((row) => `${row.document}#${row.operationId}`)).toEqual([]);
});

it('scenarios only claim operations that exist in their document', () => {
  const known = new Set(operationCoverage().map((row) => `${row.document}#${row.operationId}`));
  const claimed = SUITES.flatMap((suite) =>
    suite.scenarios.flatMap((scenario) =>
      scenario.covers.map((operationId) => `${suite.document}#${operationId}`),
    ),
  );
  expect(
    SUITES.every((suite) => apiRegistry.some((api) => api.key === suite.api && api.name === suite.document)),
  ).toBe(true);
  expect(claimed.filter((id) => !known.has(id))).toEqual([]);
  expect(FINISHED_APIS.length).toBeGreaterThan(0);
});

it('openapi/README.md maps every operation to its source', () => {
  const readme = readFileSync(new URL('../../openapi/README.md', import.meta.url), 'utf8');
  const unlisted = operationCoverage().filter(
    (row) => !readme.includes(`| ${row.operationId} |`) && !readme.includes(`| \`${row.operationId}\` |`),
  );
  expect(unlisted.map((row) => `${row.document}#${row.operationId}`)).toEqual([]);
});
