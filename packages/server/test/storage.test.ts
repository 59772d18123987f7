import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3Server } from '../../../tests/contract/s3.js';
import { createServer } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { createS3BlobStore } from '../src/core/s3-storage.js';
import { type BlobStore, createBlobStore, createFileBlobStore } from '../src/core/storage.js';

const text = (value: string) => new TextEncoder().encode(value);
async function read(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
async function* chunksOf(...parts: (string | Error)[]) {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield Buffer.from(part);
  }
}

let s3: Awaited<ReturnType<typeof startTestS3Server>>;
const directories: string[] = [];
const scratch = async () => {
  const directory = await mkdtemp(join(tmpdir(), 'music-apis-blobs-'));
  directories.push(directory);
  return directory;
};
beforeAll(async () => {
  s3 = await startTestS3Server();
});
afterAll(async () => {
  await s3?.stop();
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

// The same behaviour from both stores: the services above them cannot tell which one they run on.
describe.each([
  { name: 'filesystem', open: async () => createFileBlobStore(await scratch()) },
  { name: 'S3', open: async () => createS3BlobStore(loadConfig(s3.env).s3!) },
])('blob store ($name)', ({ open }) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await open();
    return () => store.close();
  });
  const key = (name: string) => `tests/${name}`;

  it('puts bytes and streams, and gets them back whole, with their size', async () => {
    expect(await store.put(key('a'), text('hello bytes'))).toEqual({ size: 11 });
    expect((await store.get(key('a')))?.toString()).toBe('hello bytes');
    expect(await store.put(key('b'), Readable.from(chunksOf('hello ', 'stream')))).toEqual({ size: 12 });
    expect(await read(await store.stream(key('b')))).toBe('hello stream');
    expect(await store.size(key('b'))).toBe(12);
    // Replacing a key replaces its content.
    await store.put(key('b'), text('new'));
    expect((await store.get(key('b')))?.toString()).toBe('new');
    // An empty file is a file.
    expect(await store.put(key('empty'), Readable.from(chunksOf()))).toEqual({ size: 0 });
    expect(await store.size(key('empty'))).toBe(0);
  });

  it('streams a byte range, both ends included; a range past the end gives no bytes', async () => {
    await store.put(key('range'), text('0123456789'));
    expect(await read(await store.stream(key('range'), { start: 2, end: 5 }))).toBe('2345');
    expect(await read(await store.stream(key('range'), { start: 9, end: 9 }))).toBe('9');
    expect(await read(await store.stream(key('range'), { start: 0, end: 99 }))).toBe('0123456789');
    expect(await read(await store.stream(key('range'), { start: 10, end: 20 }))).toBe('');
  });

  it('streams a body of several upload parts, and ranges across their boundary', async () => {
    // Over 5 MiB: S3 gets a multipart upload, the file store the same stream.
    const part = 5 * 1024 * 1024;
    const body = Buffer.alloc(part + 1000, 'a');
    body.write('XYZ', part - 1);
    const chunks = [body.subarray(0, 1_000_000), body.subarray(1_000_000)];
    expect(await store.put(key('large'), Readable.from(chunks))).toEqual({ size: body.length });
    expect(await store.size(key('large'))).toBe(body.length);
    expect(await read(await store.stream(key('large'), { start: part - 2, end: part + 2 }))).toBe('aXYZa');
  });

  it('answers undefined for missing keys; deleting one is fine; moving one fails', async () => {
    expect(await store.get(key('missing'))).toBeUndefined();
    expect(await store.stream(key('missing'))).toBeUndefined();
    expect(await store.stream(key('missing'), { start: 0, end: 1 })).toBeUndefined();
    expect(await store.size(key('missing'))).toBeUndefined();
    await expect(store.delete(key('missing'))).resolves.toBeUndefined();
    await expect(store.move(key('missing'), key('elsewhere'))).rejects.toThrow();
    expect(await store.size(key('elsewhere'))).toBeUndefined();
  });

  it('deletes, and moves a file over another one, leaving nothing at the old key', async () => {
    await store.put(key('gone'), text('x'));
    await store.delete(key('gone'));
    expect(await store.get(key('gone'))).toBeUndefined();

    await store.put(key('uploads/a checked file.upload'), text('checked'));
    await store.put(key('songs/final.mp3'), text('old'));
    await store.move(key('uploads/a checked file.upload'), key('songs/final.mp3'));
    expect((await store.get(key('songs/final.mp3')))?.toString()).toBe('checked');
    expect(await store.size(key('uploads/a checked file.upload'))).toBeUndefined();
  });

  it('rejects with the body’s own error when a stream fails, and stores nothing', async () => {
    const tooLarge = new Error('too large');
    await expect(store.put(key('failed'), Readable.from(chunksOf('some', tooLarge)))).rejects.toBe(tooLarge);
    expect(await store.size(key('failed'))).toBeUndefined();
    // Also when the failure comes after a first multipart part has been sent.
    const big = Buffer.alloc(6 * 1024 * 1024).toString();
    await expect(store.put(key('failed'), Readable.from(chunksOf(big, tooLarge)))).rejects.toBe(tooLarge);
    expect(await store.size(key('failed'))).toBeUndefined();
  });
});

describe('filesystem blob store', () => {
  it('removes partial files of interrupted writes at start and periodically, not fresh ones', async () => {
    const root = await scratch();
    const partial = (name: string) => join(root, 'collections', 'audio', name);
    await mkdir(join(root, 'collections', 'audio'), { recursive: true });
    const stale = partial('.0b6c1b1e-4f0a-4d4c-9a8e-2d3c4b5a6f70.partial');
    const fresh = partial('.5e7f3a2b-1c9d-4e8f-a0b1-c2d3e4f5a6b7.partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await writeFile(stale, 'crashed write');
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await writeFile(fresh, 'write in progress');
    await writeFile(partial('kept.wav'), 'a file');

    const store = createFileBlobStore(root, { sweepIntervalMs: 20 });
    try {
      const names = async () => (await readdir(join(root, 'collections', 'audio'))).sort();
      await expect
        .poll(names, { timeout: 5000 })
        .toEqual(['.5e7f3a2b-1c9d-4e8f-a0b1-c2d3e4f5a6b7.partial', 'kept.wav']);
      // Left behind while the server runs (a killed request): the next sweep takes it.
      await utimes(fresh, twoHoursAgo, twoHoursAgo);
      await expect.poll(names, { timeout: 5000 }).toEqual(['kept.wav']);
    } finally {
      await store.close();
    }
  });

  it('refuses keys that would escape its directory', async () => {
    const store = createFileBlobStore(await scratch());
    await expect(store.put('../outside', text('x'))).rejects.toThrow(/escapes the store/);
    await store.close();
  });
});

describe('blob store choice at start-up', () => {
  it('refuses PostgreSQL with files on the local disk, unless DATA_DIR is shared or S3 is set', async () => {
    const dataDir = await scratch();
    // Nothing listens on port 1: the refusal comes before any connection is tried.
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' };
    await expect(createServer(loadConfig(env, { dataDir }))).rejects.toThrow(
      /DATABASE_URL is PostgreSQL.*other instances cannot read them.*S3_BUCKET.*SHARED_DATA_DIR=1/,
    );
    // Either of the other two set-ups is accepted.
    for (const extra of [{ SHARED_DATA_DIR: '1' }, s3.env]) {
      const store = await createBlobStore(
        loadConfig({ ...env, ...extra }, { dataDir }),
        createLogger('silent'),
      );
      await store.close();
    }
  });

  it('rejects half an S3 configuration instead of keeping files on the local disk', () => {
    expect(() => loadConfig({ S3_URL: 'http://minio:9000' })).toThrow(/S3_BUCKET is not/);
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' })).toThrow(/set both or neither/);
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_URL: 'minio:9000' })).toThrow(/S3_URL must be/);
    expect(loadConfig({ S3_BUCKET: 'b', S3_URL: 'http://minio:9000' }).s3).toMatchObject({
      forcePathStyle: true,
      region: 'us-east-1',
    });
    expect(loadConfig({ S3_BUCKET: 'b' }).s3?.forcePathStyle).toBe(false);
  });
});
