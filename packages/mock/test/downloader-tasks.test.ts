import { demoCatalog } from '@music-apis/catalog';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

// The downloader mock's tasks on the clock a test controls: in manual mode a task moves one
// status per `advance()`, and the progress stream shows each step (and heartbeats when idle).
const baseUrl = 'https://downloader-tasks.example.test';
const { server, mock } = setupMockServer({ baseUrl });

type Task = {
  task_id: string;
  last_line: { status?: string; status_info?: { status: string; progress?: number } };
};
const statusOf = (task: Task) => task.last_line.status ?? task.last_line.status_info?.status;
const get = async <Body>(path: string) => (await (await fetch(`${baseUrl}${path}`)).json()) as Body;
const download = async () => (await get<{ task_id: string }>(`/api/track/download/${track.id}`)).task_id;
const getTask = (taskId: string) => get<Task>(`/api/prgs/${taskId}`);

/** The `data:` payloads of an event stream (frames are `data: <json>` and a blank line). */
async function* frames(body: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      yield JSON.parse(buffer.slice(0, end).replace(/^data: /, '')) as Record<string, unknown>;
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  mock.reset();
  mock.state.downloader.downloads.clock.auto = false;
});

const track = demoCatalog.tracksOfAlbum([...demoCatalog.albums()][3]!.id)[0]!;

describe('downloader mock tasks', () => {
  it('move one step per advance(): queued, then initializing (processing on the way), real-time steps, done', async () => {
    const { clock } = mock.state.downloader.downloads;
    const task_id = await download();
    const statuses = [statusOf(await getTask(task_id))];
    const progress: number[] = [];
    while (statuses[statuses.length - 1] !== 'done') {
      expect(clock.waiting).toBeGreaterThan(0);
      await clock.advance();
      const task = await getTask(task_id);
      const status = statusOf(task);
      if (status !== statuses[statuses.length - 1]) statuses.push(status);
      if (status === 'real-time') progress.push(task.last_line.status_info!.progress!);
      expect(statuses.length).toBeLessThan(20);
    }
    expect(statuses).toEqual(['queued', 'initializing', 'real-time', 'done']);
    // The last step (100) is followed by `done` within the same advance.
    expect(progress).toEqual([25, 50, 75]);
    expect(clock.waiting).toBe(0);
    // Nothing is written anywhere: the mock's tasks are state only.
    expect(mock.state.downloader.downloads.tasks.get(task_id)?.children).toEqual([
      expect.objectContaining({ trackId: track.id, status: 'completed' }),
    ]);
  });

  it('streams the snapshot, a realtime frame per step and a heartbeat when idle; closing the stream drops its listener', async () => {
    const { clock } = mock.state.downloader.downloads;
    clock.heartbeatMs = 30;
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/api/prgs/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const seen: Record<string, unknown>[] = [];
    let taskId: string | undefined;
    for await (const frame of frames(response.body!)) {
      seen.push(frame);
      if (frame.initial) {
        taskId = await download();
        await clock.advance(2);
      } else if (frame.change_type === 'heartbeat') {
        break;
      }
    }
    controller.abort();
    expect(seen[0]).toMatchObject({ initial: true, tasks: [], task_counts: { active: 0 } });
    const realtime = seen.filter((frame) => frame.change_type === 'realtime');
    expect(realtime.length).toBeGreaterThanOrEqual(2);
    expect(realtime[0]).toMatchObject({ tasks: [{ task_id: taskId }], trigger_reason: 'status_update' });
    expect(seen[seen.length - 1]).toMatchObject({
      change_type: 'heartbeat',
      task_counts: expect.any(Object),
    });
  });
});
