/**
 * Bytes to send as a raw request body: a `Blob`/`File`, an `ArrayBuffer`, a typed array, a web
 * stream, or any async iterable of chunks (a Node stream).
 */
export type BinaryBody =
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

/** What `fetch` can send: async iterables (Node streams) become a web stream. */
export function toBodyInit(body: BinaryBody): BodyInit {
  if (body instanceof Blob || body instanceof ArrayBuffer || body instanceof ReadableStream) return body;
  if (ArrayBuffer.isView(body)) return body as unknown as BodyInit;
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value instanceof Uint8Array ? value : new Uint8Array(value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
