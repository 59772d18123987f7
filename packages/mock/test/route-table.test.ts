import { describe, expect, it } from 'vitest';
import { RouteTable } from '../src/core/route-table.js';

describe('RouteTable', () => {
  const table = new RouteTable<string>();
  table.add('GET', '/api/prgs/{task_id}', 'getTask');
  table.add('GET', '/api/prgs/list', 'listTasks');
  table.add('DELETE', '/api/prgs/{task_id}', 'deleteTask');
  table.add('GET', '/api/track/metadata/{isrc}', 'getTrackMetadata');

  it('prefers literal segments over parameters, whatever the order they were added in', () => {
    expect(table.match('GET', '/api/prgs/list')).toEqual({ value: 'listTasks', params: {} });
    expect(table.match('GET', '/api/prgs/abc')).toEqual({ value: 'getTask', params: { task_id: 'abc' } });
  });

  it('decodes parameters and reports the allowed methods of a known path', () => {
    expect(table.match('GET', '/api/track/metadata/a%2Fb')).toEqual({
      value: 'getTrackMetadata',
      params: { isrc: 'a/b' },
    });
    expect(table.match('PUT', '/api/prgs/abc')).toEqual({ allowed: ['GET', 'DELETE'] });
  });

  it('does not match empty parameters, extra segments or malformed escapes', () => {
    expect(table.match('GET', '/api/track/metadata/')).toBeUndefined();
    expect(table.match('GET', '/api/track/metadata/x/y')).toBeUndefined();
    expect(table.match('GET', '/api/track/metadata/%E0%A4%A')).toBeUndefined();
  });
});
