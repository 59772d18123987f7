import { RouteTable } from '@music-apis/spec';
import { describe, expect, it } from 'vitest';

// The spec package's route table, which the mock dispatches every request through.
describe('RouteTable', () => {
  const table = new RouteTable<string>();
  table.add('GET', '/api/prgs/{task_id}', 'getTask');
  table.add('GET', '/api/prgs/list', 'listTasks');
  table.add('DELETE', '/api/prgs/{task_id}', 'deleteTask');
  table.add('GET', '/api/track/metadata/{isrc}', 'getTrackMetadata');

  it('prefers literal segments over parameters, whatever the order they were added in', () => {
    expect(table.match('GET', '/api/prgs/list')).toEqual({ kind: 'found', value: 'listTasks', params: {} });
    expect(table.match('GET', '/api/prgs/abc')).toEqual({
      kind: 'found',
      value: 'getTask',
      params: { task_id: 'abc' },
    });
  });

  it('decodes parameters and reports the allowed methods of a known path', () => {
    expect(table.match('GET', '/api/track/metadata/a%2Fb')).toEqual({
      kind: 'found',
      value: 'getTrackMetadata',
      params: { isrc: 'a/b' },
    });
    expect(table.match('PUT', '/api/prgs/abc')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'DELETE'],
    });
  });

  it('does not match empty parameters, extra segments or malformed escapes', () => {
    expect(table.match('GET', '/api/track/metadata/')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/api/track/metadata/x/y')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/api/track/metadata/%E0%A4%A')).toEqual({ kind: 'not-found' });
  });

  it('refuses a second operation on a taken method and path', () => {
    expect(() => table.add('GET', '/api/prgs/{id}', 'other')).toThrow(/claimed twice/);
  });
});
