import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * Where uploaded and fetched files live: the local filesystem (one machine) or an S3-compatible
 * bucket (several instances). Keys are relative paths such as `track-manager/covers/x.jpg`.
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
  /** Releases timers and connections; the server calls it last when it stops. */
  close(): Promise<void>;
}

/**
 * The store the configuration asks for. Refuses PostgreSQL with files on this machine's disk: other
 * instances on the same database would run jobs on, and serve, files they cannot see.
 */
export async function createBlobStore(config: ServerConfig, logger: Logger): Promise<BlobStore> {
  // Loaded only for a bucket: the AWS SDK is a quarter of a second of a start on local disk.
  if (config.s3) return (await import('./s3-storage.js')).createS3BlobStore(config.s3, logger);
  const directory = join(config.dataDir, 'blobs');
  if (config.databaseUrl && !config.sharedDataDir) {
    throw new Error(
      `DATABASE_URL is PostgreSQL, which several instances can share, but uploaded files would stay in ${directory} on this machine, where other instances cannot read them. ` +
        'Set S3_BUCKET (with S3_URL, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY) to keep them in an S3-compatible bucket, ' +
        'or SHARED_DATA_DIR=1 if DATA_DIR is one directory that every instance mounts, or only one instance runs.',
    );
  }
  return createFileBlobStore(directory, { logger });
}

/** A write in progress is named `.<uuid>.partial` beside its key until it is renamed into place. */
const PARTIAL_FILE = /^\.[0-9a-f-]{36}\.partial$/;

export interface FileBlobStoreOptions {
  /** Where the removal of stale partial files is reported. */
  logger?: Logger;
  /**
   * A partial file untouched this long is the leftover of a crashed or killed write and is removed.
   * A write in progress touches its file with every chunk, so only one stalled this long goes.
   * Default one hour.
   */
  partialMaxAgeMs?: number;
  /** How often to look for stale partial files (and once at once). Default every 10 minutes. */
  sweepIntervalMs?: number;
}

export function createFileBlobStore(rootDirectory: string, options: FileBlobStoreOptions = {}): BlobStore {
  const { logger, partialMaxAgeMs = 60 * 60_000, sweepIntervalMs = 10 * 60_000 } = options;
  const root = resolve(rootDirectory);
  const pathOf = (key: string) => {
    const path = resolve(root, key);
    if (!path.startsWith(root + sep)) throw new Error(`Blob key escapes the store: ${key}`);
    return path;
  };
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

  async function removeStalePartials(): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (missing(error)) return; // nothing stored yet
      throw error;
    }
    const cutoff = Date.now() - partialMaxAgeMs;
    for (const entry of entries) {
      if (!entry.isFile() || !PARTIAL_FILE.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      try {
        if ((await stat(path)).mtimeMs >= cutoff) continue;
        await rm(path, { force: true });
        logger?.info({ path }, 'removed a stale partial upload');
      } catch (error) {
        if (!missing(error)) throw error; // renamed into place or removed meanwhile: fine
      }
    }
  }
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    // One sweep at a time: a slow disk must not pile them up.
    sweeping ??= removeStalePartials()
      .catch((error) => logger?.warn({ err: error }, 'could not remove stale partial uploads'))
      .finally(() => {
        sweeping = undefined;
      });
  };
  sweep();
  // unref: the sweep alone never keeps a process alive (a CLI command, a test).
  const timer = setInterval(sweep, sweepIntervalMs).unref();

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
    async close() {
      clearInterval(timer);
      await sweeping;
    },
  };
}
