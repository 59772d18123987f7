import { HttpError } from '@music-apis/spec';

/**
 * Byte ranges of a served file (RFC 9110 §14), for every API that serves files a player seeks in:
 * the songs API's stream URLs and the collections API's delivery URLs, on the server and the mock.
 */

/** One byte range of a file, both ends included. */
export interface ByteRange {
  start: number;
  end: number;
}

const rangeNotSatisfiable = (header: string, size: number) =>
  new HttpError(416, `Range not satisfiable: ${header} (file size ${size})`, {
    headers: { 'content-range': `bytes */${size}` },
  });

/**
 * The range a `Range` header asks of a file of `size` bytes (RFC 9110 §14.1.2): `undefined` for the
 * whole file (no header, a malformed one, another unit, several ranges, last before first), 416 when
 * it starts at or past the end (or is an empty suffix).
 */
export function byteRangeOf(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const length = Number(last);
    if (length === 0 || size === 0) throw rangeNotSatisfiable(header, size);
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw rangeNotSatisfiable(header, size);
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** Status, range and headers of the answer serving a file of `size` bytes, whole or the range asked. */
export function byteRangeAnswer(
  size: number,
  rangeHeader: string | undefined,
): { status: 200 | 206; range: ByteRange | undefined; headers: Record<string, string> } {
  const range = byteRangeOf(rangeHeader, size);
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-length': String(range ? range.end - range.start + 1 : size),
  };
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
  return { status: range ? 206 : 200, range, headers };
}
