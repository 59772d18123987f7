import { spawnSync } from 'node:child_process';

const runs = (tool: string) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;

/**
 * Whether ffmpeg and ffprobe are on PATH: the test servers load their configuration without the
 * environment, so they find ffmpeg there (the default `FFMPEG_PATH`), and the tests ffprobe its files.
 */
export const ffmpegInstalled = () => runs('ffmpeg') && runs('ffprobe');

/**
 * Whether ffmpeg and ffprobe run, for the tests of the server's processing. Like
 * `createScratchDatabase`: when they are missing the caller skips them and
 * a warning says so, or, under REQUIRE_FFMPEG=1 (CI), this throws and the test file fails instead.
 */
export function ffmpegAvailable(purpose: string): boolean {
  if (ffmpegInstalled()) return true;
  if (process.env.REQUIRE_FFMPEG === '1') {
    throw new Error('ffmpeg/ffprobe are not installed, and REQUIRE_FFMPEG=1 requires them');
  }
  console.warn(
    `[${purpose}] ffmpeg is not installed: the tests that need it are SKIPPED (REQUIRE_FFMPEG=1 fails instead)`,
  );
  return false;
}
