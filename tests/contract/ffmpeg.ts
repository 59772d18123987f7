import { spawnSync } from 'node:child_process';

const runs = (tool: string) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;

/** Whether ffmpeg (`FFMPEG_PATH`, as the server finds it) and ffprobe run here. */
export const ffmpegInstalled = () => runs(process.env.FFMPEG_PATH || 'ffmpeg') && runs('ffprobe');

/**
 * Whether ffmpeg and ffprobe run (`FFMPEG_PATH` as the server finds ffmpeg), for the tests of the
 * server's processing. Like `createScratchDatabase`: when they are missing the caller skips them and
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
