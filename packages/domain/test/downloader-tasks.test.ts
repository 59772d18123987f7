import { describe, expect, it } from 'vitest';
import {
  type DownloadTaskRecord,
  statusOfLine,
  type TaskStatusLine,
  taskCounts,
  taskListPage,
} from '../src/downloader/task-views.js';

/** A task created at `createdAt` with the given status (active unless terminal). */
function task(id: string, createdAt: number, status: string): DownloadTaskRecord {
  const active = !['done', 'error', 'cancelled', 'skipped', 'complete'].includes(status);
  return {
    taskId: id,
    downloadType: 'track',
    itemId: id,
    name: id,
    artist: 'A',
    owner: '',
    createdAt,
    timestamp: createdAt,
    statusCount: 1,
    lastLine: { status } as TaskStatusLine,
    status,
    active,
    options: { settings: {} as never, originalRequest: {} },
    children: [],
  };
}

describe('downloader task views', () => {
  it('derive the status from the callback, keeping a finished track of a parent as progress', () => {
    const done = { track: { type: 'track', title: 'x' }, status_info: { status: 'done' } } as TaskStatusLine;
    expect(statusOfLine(done, 'track')).toBe('done');
    expect(statusOfLine(done, 'album')).toBe('progress');
    expect(statusOfLine({ status: 'queued' } as TaskStatusLine)).toBe('queued');
    expect(
      statusOfLine({ status_info: { status: 'real-time', progress: 5, time_elapsed: 1 } } as TaskStatusLine),
    ).toBe('real-time');
  });

  it('count by status: queued and retrying apart from the other active ones, done as completed', () => {
    const tasks = [
      task('q', 1, 'queued'),
      task('r', 2, 'real-time'),
      task('p', 3, 'processing'),
      task('d', 4, 'done'),
      task('e', 5, 'error'),
      task('c', 6, 'cancelled'),
      task('t', 7, 'retrying'),
    ];
    expect(taskCounts(tasks)).toEqual({
      active: 2,
      queued: 1,
      completed: 1,
      error: 1,
      cancelled: 1,
      retrying: 1,
      skipped: 0,
    });
  });

  it('page the list as the original: page 1 holds every active task and the newest others up to limit', () => {
    const tasks = [
      task('a1', 10, 'real-time'),
      task('a2', 11, 'queued'),
      ...Array.from({ length: 7 }, (_, n) => task(`d${n}`, n, 'done')),
    ];
    const ids = (page: number) =>
      taskListPage(tasks, { page, limit: 4, activeOnly: false }, 'http://x', 99).tasks.map(
        (entry) => entry.task_id,
      );
    // Active first (newest first), then the newest finished ones: 4 in all.
    expect(ids(1)).toEqual(['a2', 'a1', 'd6', 'd5']);
    // Page 2 continues at (2-1)*4 - 2 active = offset 2 of the finished ones.
    expect(ids(2)).toEqual(['d4', 'd3', 'd2', 'd1']);
    const last = taskListPage(tasks, { page: 3, limit: 4, activeOnly: false }, 'http://x', 99);
    expect(last.tasks.map((entry) => entry.task_id)).toEqual(['d0']);
    expect(last.pagination).toMatchObject({
      total_items: 9,
      total_pages: 3,
      has_more: false,
      active_tasks: 2,
      total_other_tasks: 7,
    });
    expect(last).toMatchObject({ total_tasks: 1, all_tasks_count: 9, active_tasks: 2 });
    const active = taskListPage(tasks, { page: 1, limit: 4, activeOnly: true }, 'http://x', 99);
    expect(active.pagination).toEqual({ page: 1, limit: 4, total_items: 2, total_pages: 1, has_more: false });
  });
});
