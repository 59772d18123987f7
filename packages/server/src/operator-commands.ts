import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from './core/config.js';
import { maskUrlSecrets } from './core/mask-url.js';

/**
 * The commands the CLI prints (at start, in its usage text), written so that they run as printed:
 * from a clone through the root `cli` script (the `music-apis-server` bin is not on PATH there, and
 * `npx music-apis-server` would fetch the package from the registry), from an installed package
 * through its bin; and with the DATA_DIR and DATABASE_URL of the running server.
 */

/** Where the CLI runs from. */
export interface CliLocation {
  /** The repository's root when this is a clone of it; undefined when the package is installed. */
  cloneRoot: string | undefined;
  /** The working directory commands are typed in. */
  cwd: string;
}

/** A clone is recognised by its root package.json, two levels above this package (src/ or dist/). */
export function cliLocation(moduleUrl: string = import.meta.url, cwd: string = process.cwd()): CliLocation {
  const root = resolve(dirname(fileURLToPath(moduleUrl)), '..', '..', '..');
  try {
    const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    if (manifest.name === 'music-apis' && manifest.scripts?.cli) return { cloneRoot: root, cwd };
  } catch {
    // No package.json there: an installed package (node_modules/@music-apis/server/dist).
  }
  return { cloneRoot: undefined, cwd };
}

/** A shell word: as is when it is plain, else single-quoted. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A database URL as it is safe to print, and whether anything was masked. */
export function maskDatabaseUrl(databaseUrl: string): { url: string; masked: boolean } {
  const url = maskUrlSecrets(databaseUrl);
  return { url, masked: url !== databaseUrl };
}

/** The command to run now, with what it needs to reach the same database as the running server. */
export interface OperatorCommand {
  /** The command line, e.g. `DATA_DIR=/srv/music npm run cli -- create-api-key "my app"`. */
  line: string;
  /** True when the line shows `***` for DATABASE_URL's password, which must be typed in. */
  passwordMasked: boolean;
}

/**
 * `args` are shell words already (`'"my app"'`, `'<email>'`). DATA_DIR is prefixed when the command
 * would otherwise resolve another one (the default `./data` is relative to where it runs: the clone's
 * root for `npm run cli`); DATABASE_URL whenever it is set, its password masked.
 */
export function operatorCommand(
  config: Pick<ServerConfig, 'dataDir' | 'databaseUrl'>,
  args: readonly string[],
  location: CliLocation = cliLocation(),
): OperatorCommand {
  const { cloneRoot, cwd } = location;
  const environment: string[] = [];
  if (resolve(config.dataDir) !== resolve(cloneRoot ?? cwd, 'data')) {
    environment.push(`DATA_DIR=${shellWord(config.dataDir)}`);
  }
  let passwordMasked = false;
  if (config.databaseUrl) {
    const { url, masked } = maskDatabaseUrl(config.databaseUrl);
    environment.push(`DATABASE_URL=${shellWord(url)}`);
    passwordMasked = masked;
  }
  return { line: [...environment, cliProgram(location), ...args].join(' '), passwordMasked };
}

/** The CLI itself: `npm run cli --` in a clone (`npm --prefix <root> …` outside its root), else the bin. */
export function cliProgram({ cloneRoot, cwd }: CliLocation = cliLocation()): string {
  if (cloneRoot === undefined) return 'npx music-apis-server';
  if (resolve(cwd) === cloneRoot) return 'npm run cli --';
  return `npm --prefix ${shellWord(cloneRoot)} run cli --`;
}

/**
 * The URL to print: `localhost` for a server on a loopback or wildcard address, as the README and
 * the documents' `servers` say (`http://localhost:8080`); PUBLIC_URL when it is set.
 */
export function displayUrl(listeningUrl: string, config: Pick<ServerConfig, 'publicUrl'>): string {
  if (config.publicUrl || !URL.canParse(listeningUrl)) return listeningUrl;
  const url = new URL(listeningUrl);
  if (['127.0.0.1', '[::1]', '0.0.0.0', '[::]'].includes(url.hostname)) url.hostname = 'localhost';
  return url.toString().replace(/\/$/, '');
}
