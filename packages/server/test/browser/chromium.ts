import { existsSync } from 'node:fs';

/**
 * Real Chromium (Debian's, driven by playwright-core) for the browser tests. Where it is not
 * installed they are skipped with a message; CI installs it and sets REQUIRE_BROWSER=1, so there
 * they fail instead.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is there for the test of `what`; throws under REQUIRE_BROWSER when it is not. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_BROWSER) throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);
  console.warn(`\n[server] ${CHROMIUM} not found: the ${what} is SKIPPED.\n`);
  return false;
}
