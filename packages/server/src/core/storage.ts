import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where uploaded and fetched files live. The local filesystem by default; the interface is what an
 * S3-compatible store would implement. Keys are relative paths such as `track-manager/covers/x.jpg`.
 */
export interface BlobStore {
  /** Writes atomically: readers see the whole old file or the whole new one, never a partial write. */
  put(key: string, data: Uint8Array | Readable): Promise<{ size: number }>;
  get(key: string): Promise<Buffer | undefined>;
  /** The file, or the bytes `range.start`..`range.end` of it (both included, as HTTP ranges count). */
  stream(key: string, range?: { start: number; end: number }): Promise<Readable | undefined>;
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** Renames `from` to `to` atomically (replacing `to`); how a checked upload becomes the real file. */
  move(from: string, to: string): Promise<void>;
}

export function createFileBlobStore(rootDirectory: string): BlobStore {
  const root = resolve(rootDirectory);
  const pathOf = (key: string) => {
    const path = resolve(root, key);
    if (!path.startsWith(root + sep)) throw new Error(`Blob key escapes the store: ${key}`);
    return path;
  };
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

  return {
    async put(key, data) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${randomUUID()}.partial`);
      try {
        if (data instanceof Uint8Array) {
          await pipeline(async function* () {
            yield data;
          }, createWriteStream(temporary));
        } else {
          await pipeline(data, createWriteStream(temporary));
        }
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return { size: (await stat(path)).size };
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async stream(key, range) {
      const size = await this.size(key);
      return size === undefined ? undefined : createReadStream(pathOf(key), range);
    },
    async size(key) {
      try {
        return (await stat(pathOf(key))).size;
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async move(from, to) {
      const target = pathOf(to);
      await mkdir(dirname(target), { recursive: true });
      await rename(pathOf(from), target);
    },
  };
}
