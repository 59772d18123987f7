import { describe, expect, it } from 'vitest';
import { type DownloaderTaskClient, sseDataOf, watchTaskProgress } from '../../src/downloader/lib/tasks.js';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function collect<Value>(iterable: AsyncIterable<Value>, limit = 100) {
  const values: Value[] = [];
  for await (const value of iterable) {
    values.push(value);
    if (values.length >= limit) break;
  }
  return values;
}

describe('downloader progress stream helpers', () => {
  it('parse data-only events across chunk boundaries, CRLF and multi-line data; skip comments and other fields', async () => {
    const data = await collect(
      sseDataOf(
        streamOf(
          'data: {"a":',
          '1}\n\n: comment\n\nevent: x\r\ndata: one\r\ndata: two\r\n\r\n',
          'data:{"b":2}\n\n',
        ),
      ),
    );
    expect(data).toEqual(['{"a":1}', 'one\ntwo', '{"b":2}']);
  });

  it('reconnect after the stream ends, keeping the latest state of every task', async () => {
    let connections = 0;
    const frame = (status: string) =>
      `data: ${JSON.stringify({ tasks: [{ task_id: 't1', last_line: { status } }], task_counts: { active: 1 }, change_type: 'realtime' })}\n\n`;
    const client = {
      streamTaskProgress: async () => {
        connections++;
        return streamOf(frame(connections === 1 ? 'queued' : 'processing'));
      },
    } as unknown as DownloaderTaskClient;
    const watch = watchTaskProgress(client, { reconnectDelayMs: () => 1 });
    const frames = await collect(watch, 2);
    expect(connections).toBe(2);
    expect(frames).toHaveLength(2);
    expect(watch.tasks.get('t1')?.last_line).toEqual({ status: 'processing' });
    expect(watch.counts).toEqual({ active: 1 });
  });

  it('give up on a refusal (4xx) instead of reconnecting', async () => {
    let connections = 0;
    const client = {
      streamTaskProgress: async () => {
        connections++;
        throw Object.assign(new Error('401'), { status: 401 });
      },
    } as unknown as DownloaderTaskClient;
    await expect(collect(watchTaskProgress(client, { reconnectDelayMs: () => 1 }))).rejects.toThrow('401');
    expect(connections).toBe(1);
  });
});
