import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { HttpError } from '@music-apis/spec';

/** Reading upload bodies: size limits while streaming, the cover's multipart form, image sniffing. */

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, `File too large (limit ${limit} bytes)`);
  }
}

export const unsupportedImage = () => new HttpError(415, 'Cover must be a JPEG or PNG image');

/**
 * The request body as a stream that fails with `PayloadTooLargeError` past `limit` bytes and with
 * an error when the client goes away mid-body, so a truncated upload is never taken for a whole
 * one. A declared `Content-Length` over the limit fails before anything is read.
 */
export function limitedRequestBody(request: IncomingMessage, limit: number): Readable {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  let received = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) callback(new PayloadTooLargeError(limit));
      else callback(null, chunk);
    },
  });
  request.on('error', (error) => limiter.destroy(error));
  request.on('close', () => {
    if (!request.complete) limiter.destroy(new HttpError(400, 'The upload was interrupted'));
  });
  request.pipe(limiter);
  return limiter;
}

/**
 * The `file` part of a `multipart/form-data` body, at most `limit` bytes in all. The body is
 * bounded by the limit (covers are small), so the platform's multipart parser reads it into memory.
 */
export async function readMultipartFile(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new HttpError(415, 'Send the cover as multipart/form-data with the image in the "file" part');
  }
  const body = limitedRequestBody(request, limit);
  let tooLarge: unknown;
  body.on('error', (error) => {
    if (error instanceof PayloadTooLargeError) tooLarge = error;
  });
  let form: FormData;
  try {
    form = await new Request('http://upload.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit).formData();
  } catch (error) {
    if (tooLarge) throw tooLarge;
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'The body is not a valid multipart/form-data form');
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') throw unsupportedImage();
  return new Uint8Array(await file.arrayBuffer());
}
