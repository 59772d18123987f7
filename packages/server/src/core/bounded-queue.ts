import { HttpError } from '@music-apis/spec';

/**
 * At most `concurrency` tasks at once and `queueSize` more waiting; past that a task is refused
 * at once with a `BusyError` instead of waiting. Password hashes run on libuv's thread pool (4
 * threads by default), which file reads, DNS and zlib share: a flood of logins must not take all
 * of it, nor pile up unbounded work whose answers would come too late anyway.
 */
export interface BoundedQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * 503 with `Retry-After`: the work was not done, and trying again shortly will work. It is an
 * `HttpError`, so each API's pipeline answers it in that API's own error envelope.
 */
export class BusyError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(503, 'Server busy, try again shortly', {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
    this.name = 'BusyError';
  }
}

export function createBoundedQueue(options: {
  concurrency: number;
  queueSize: number;
  /** The `Retry-After` of a refusal, in seconds. */
  retryAfterSeconds: number;
}): BoundedQueue {
  let running = 0;
  const waiting: (() => void)[] = [];

  const next = () => {
    running -= 1;
    const start = waiting.shift();
    if (start) {
      running += 1;
      start();
    }
  };

  return {
    async run(task) {
      if (running >= options.concurrency) {
        if (waiting.length >= options.queueSize) throw new BusyError(options.retryAfterSeconds);
        // The slot is handed over by `next` (running stays counted), so no newcomer can jump the queue.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running += 1;
      }
      try {
        return await task();
      } finally {
        next();
      }
    },
  };
}
