import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from './config.js';
import type { Logger } from './logger.js';
import type { BlobStore } from './storage.js';

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, R2): what lets several instances serve the same
 * files, since none of them keeps one on its own disk.
 */
export function createS3BlobStore(settings: S3Settings, logger?: Logger): BlobStore {
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials:
      settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
  });
  const Bucket = settings.bucket;
  const status = (error: unknown) =>
    error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;

  async function getObject(key: string, range?: { start: number; end: number }) {
    try {
      const object = await client.send(
        new GetObjectCommand({ Bucket, Key: key, Range: range && `bytes=${range.start}-${range.end}` }),
      );
      if (!(object.Body instanceof Readable)) throw new Error(`S3 answered ${key} without a body`);
      return object.Body;
    } catch (error) {
      if (status(error) === 404) return undefined;
      // A range starting past the end (say bytes=0-0 of an empty file): no bytes, as a file read gives.
      if (status(error) === 416) return Readable.from([]);
      throw error;
    }
  }

  return {
    async put(key, data) {
      let size = 0;
      let bodyError: unknown;
      // Uint8Array goes as is; a stream is counted on its way through, so nothing reads it twice.
      const Body =
        data instanceof Uint8Array
          ? data
          : Readable.from(
              (async function* () {
                try {
                  for await (const chunk of data) {
                    size += (chunk as Buffer).length;
                    yield chunk;
                  }
                } catch (error) {
                  bodyError = error;
                  throw error;
                }
              })(),
            );
      // lib-storage sends a body under 5 MiB as one PutObject, a larger one as a multipart upload
      // of 5 MiB parts, 4 at a time: at most ~20 MiB of an upload is in memory, whatever its size.
      // Either way the object appears whole when complete (S3 writes are atomic).
      try {
        await new Upload({ client, params: { Bucket, Key: key, Body } }).done();
      } catch (error) {
        if (bodyError === undefined) throw error;
        // The body failed (say a size limit): that is the caller's answer, even when aborting the
        // multipart upload failed too; its parts then wait for the bucket's lifecycle rule.
        if (error !== bodyError)
          logger?.warn({ err: error, key }, 'could not abort the multipart upload of a failed body');
        throw bodyError;
      }
      return { size: data instanceof Uint8Array ? data.byteLength : size };
    },
    async get(key) {
      const body = await getObject(key);
      if (!body) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    stream: getObject,
    async size(key) {
      try {
        return (await client.send(new HeadObjectCommand({ Bucket, Key: key }))).ContentLength ?? 0;
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },
    async delete(key) {
      // S3 answers 204 for a missing key too, as `rm --force` does.
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async move(from, to) {
      // S3 has no rename. Copy then delete is safe enough here: the copy replaces `to` atomically
      // (readers see the old object or the new one), and a crash between the two steps leaves only
      // `from` behind, a temporary key that nothing serves. Single-request copies stop at 5 GiB;
      // every upload limit of the server is far below that.
      const source = `${Bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
      await client.send(new CopyObjectCommand({ Bucket, Key: to, CopySource: source }));
      await client.send(new DeleteObjectCommand({ Bucket, Key: from }));
    },
    async close() {
      client.destroy();
    },
  };
}
