import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCatalog } from '@music-apis/catalog';
import {
  createDownloaderClient,
  type DownloaderTask,
  sseDataOf,
  taskStatusOf,
} from '@music-apis/sdk/downloader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable } from '../../../tests/contract/ffmpeg.js';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { loadConfig } from '../src/core/config.js';
import { startTestServer, type TestServer } from './helpers.js';

// Two instances on one PostgreSQL, with one download directory both mount: a download queued
// through A runs once, on whichever instance claims its job, and B's progress stream shows every
// step of it (LISTEN/NOTIFY carries the changes between them).

const postgres = await createScratchDatabase('dlscaleout');
const hasFfmpeg = ffmpegAvailable('downloader scale-out');
const instances: TestServer[] = [];
let downloadDir: string;
beforeAll(async () => {
  if (!postgres || !hasFfmpeg) return;
  downloadDir = await mkdtemp(join(tmpdir(), 'music-apis-downloads-'));
  const config = loadConfig({ JOB_POLL_INTERVAL_MS: '20', DOWNLOADER_DOWNLOAD_DIR: downloadDir });
  for (let n = 0; n < 2; n++) {
    instances.push(
      await startTestServer({ databaseUrl: postgres.url, jobs: config.jobs, downloader: config.downloader }),
    );
  }
}, 60_000);
afterAll(async () => {
  for (const instance of instances) await instance.stop();
  await postgres?.drop();
  if (downloadDir) await rm(downloadDir, { recursive: true, force: true });
});

describe.skipIf(!postgres || !hasFfmpeg)('downloads on two instances (PostgreSQL)', () => {
  it('a download queued on A runs once and its progress is seen on B’s stream', async () => {
    const [a, b] = instances as [TestServer, TestServer];
    const album = [...demoCatalog.albums()][9]!;
    const tracks = demoCatalog.tracksOfAlbum(album.id);

    const stream = await fetch(`${b.baseUrl}/api/prgs/stream`);
    expect(stream.status).toBe(200);
    const seen: DownloaderTask[] = [];
    let taskId: string | undefined;
    for await (const data of sseDataOf(stream.body!)) {
      const frame = JSON.parse(data) as { initial?: boolean; tasks?: DownloaderTask[] };
      if (frame.initial) {
        const client = createDownloaderClient({ baseUrl: a.baseUrl, retry: 0 });
        taskId = (await client.downloadAlbum({ album_id: album.id })).task_id;
        continue;
      }
      const task = frame.tasks?.find((entry) => entry.task_id === taskId);
      if (!task) continue;
      seen.push(task);
      if (taskStatusOf(task) === 'done') break;
    }
    // Every status write reached B, in order, and the task was started once.
    const counts = seen.map((task) => task.status_count);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    expect(
      seen.filter((task) => (task.last_line as { status?: string }).status === 'processing'),
    ).toHaveLength(1);
    const done = seen[seen.length - 1]!;
    expect(done.last_line).toMatchObject({
      status_info: { status: 'done', summary: { total_successful: tracks.length } },
    });

    // One file per track, written once, in the shared directory.
    const files = await readdir(join(downloadDir, album.artistName, album.name));
    expect(files.filter((name) => name.endsWith('.ogg'))).toHaveLength(tracks.length);
    expect(files.filter((name) => name.startsWith('.part-'))).toEqual([]);

    // Both instances answer for the task from the database.
    for (const instance of instances) {
      const client = createDownloaderClient({ baseUrl: instance.baseUrl, retry: 0 });
      expect(taskStatusOf(await client.getTask({ task_id: taskId! }))).toBe('done');
    }
  });
});
