import { type DestinationStream, type Logger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat } from './config.js';

export type { Logger };

export interface LoggerOptions {
  /** `auto` (default): pino-pretty when stdout is a terminal, JSON lines otherwise. */
  format?: LogFormat;
  /** Where the lines go instead of stdout (tests capture the log here). */
  destination?: DestinationStream;
}

/** Credentials never reach the log, even inside an object someone logs whole (a request, an error). */
const REDACTED_PATHS = [
  'headers.authorization',
  'headers.token',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.token',
  'req.headers.cookie',
  'err.config.headers.authorization',
];

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'auto';
  const terminal = !options.destination && process.stdout.isTTY === true;
  const pretty = format === 'pretty' || (format === 'auto' && terminal);
  return pino(
    { level, base: { service: 'music-apis' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pretty ? prettyDestination(options.destination ?? process.stdout) : options.destination,
  );
}

/** The request line's fields (core/http/request-log.ts), which pretty output folds into one line. */
const REQUEST_FIELDS = [
  'method',
  'path',
  'query',
  'status',
  'ms',
  'requestId',
  'api',
  'operationId',
  'aborted',
];

function isRequestLine(log: Record<string, unknown>): boolean {
  return typeof log.method === 'string' && typeof log.status === 'number' && typeof log.ms === 'number';
}

/**
 * pino-pretty for a terminal: one short line per request
 * (`12:00:01.234 INFO: GET /api/track/metadata/X 200 3.1ms trackManager.getTrackMetadata [request id]`),
 * other entries as pino-pretty prints them. Written synchronously so nothing is lost at exit.
 */
function prettyDestination(out: DestinationStream): DestinationStream {
  const common = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' };
  const other = prettyFactory(common);
  const request = prettyFactory({
    ...common,
    ignore: `${common.ignore},${REQUEST_FIELDS.join(',')}`,
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const operation = log.api ? ` ${log.api}${log.operationId ? `.${log.operationId}` : ''}` : '';
      return `${log[messageKey]}${operation} [${log.requestId}]`;
    },
  });
  return {
    write(line: string) {
      const log = JSON.parse(line) as Record<string, unknown>;
      let text = (isRequestLine(log) ? request : other)(log);
      if (!text.endsWith('\n')) text += '\n';
      out.write(text);
    },
  };
}
