/** What `.withResponse()` resolves: the parsed body with the response it came in. */
export interface ApiResponse<T> {
  data: T;
  /** The response; its body has been read (except for streams, where `data` is the body). */
  response: Response;
  /** The API's request id (its envelope's, else the `x-request-id` header), when there is one. */
  requestId: string | undefined;
}

/**
 * What every operation method returns: a promise of the parsed body, plus `.withResponse()` for
 * the response headers and request id (as openai-node's `APIPromise`).
 */
export interface ApiPromise<T> extends Promise<T> {
  withResponse(): Promise<ApiResponse<T>>;
}

/**
 * A promise that resolves `data` from the response promise only when awaited, so that a caller
 * who uses `.withResponse()` alone leaves no second, unobserved promise to reject.
 */
class ResponsePromise<T> extends Promise<T> implements ApiPromise<T> {
  #result: Promise<ApiResponse<T>>;
  #data: Promise<T> | undefined;

  constructor(result: Promise<ApiResponse<T>>) {
    super((resolve) => resolve(undefined as T));
    this.#result = result;
  }

  // `then` on a derived promise (`.then().then()`) builds a plain Promise, not one of these.
  static override get [Symbol.species]() {
    return Promise;
  }

  withResponse(): Promise<ApiResponse<T>> {
    return this.#result;
  }

  // biome-ignore lint/suspicious/noThenProperty: a Promise subclass that reads `data` lazily, as openai-node's APIPromise.
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#data ??= this.#result.then((result) => result.data);
    return this.#data.then(onFulfilled, onRejected);
  }
}

export const toApiPromise = <T>(result: Promise<ApiResponse<T>>): ApiPromise<T> =>
  new ResponsePromise(result);
