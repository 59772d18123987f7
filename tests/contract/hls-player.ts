import type { PlayableStream } from '@music-apis/sdk/streaming';
import { expect } from 'vitest';

/** The two calls of a Playwright `Page` the player makes (this folder does not depend on Playwright). */
interface PlayerPage {
  addScriptTag(options: { path: string }): Promise<unknown>;
  evaluate<Result, Arg>(script: (arg: Arg) => Promise<Result>, arg: Arg): Promise<Result>;
}

/** The little of hls.js's global `Hls` the player uses (the page loads its UMD build). */
interface HlsGlobal {
  isSupported(): boolean;
  Events: Record<'ERROR' | 'FRAG_LOADED' | 'LEVEL_LOADED', string>;
  new (config: {
    xhrSetup(xhr: XMLHttpRequest, url: string): void;
  }): {
    /** Each event has its own payload: a listener names the one it reads. */
    on(event: string, listener: (event: string, data: never) => void): void;
    loadSource(url: string): void;
    attachMedia(media: HTMLMediaElement): void;
    destroy(): void;
  };
}

/**
 * Plays `stream` (from the SDK's `resolveStreamUrl`) with hls.js (its `hls.min.js` at `hlsJsPath`)
 * on `page`, which is at the stream's origin, until 1.5 s in: what the player saw. For the server's
 * and the mock's browser tests of HLS playback.
 */
export async function playWithHlsJs(page: PlayerPage, stream: PlayableStream, hlsJsPath: string) {
  await page.addScriptTag({ path: hlsJsPath });
  return page.evaluate(async ({ url, headers }) => {
    const Hls = (globalThis as unknown as { Hls: HlsGlobal }).Hls;
    if (!Hls.isSupported()) throw new Error('hls.js: MediaSource is not supported here');
    const audio = document.createElement('audio');
    audio.muted = true;
    document.body.append(audio);
    const hls = new Hls({
      xhrSetup(xhr: XMLHttpRequest, requested: string) {
        if (requested === url)
          for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      },
    });
    const fragments: string[] = [];
    const failed = new Promise<never>((_, reject) => {
      hls.on(Hls.Events.ERROR, (_event: string, data: { fatal: boolean; details: string }) => {
        if (data.fatal) reject(new Error(`hls.js: ${data.details}`));
      });
    });
    hls.on(Hls.Events.FRAG_LOADED, (_event: string, data: { frag: { url: string } }) => {
      fragments.push(data.frag.url);
    });
    hls.loadSource(url);
    hls.attachMedia(audio);
    const parsed = new Promise<number>((resolve) => {
      hls.on(Hls.Events.LEVEL_LOADED, (_event: string, data: { details: { totalduration: number } }) =>
        resolve(data.details.totalduration),
      );
    });
    const totalDuration = await Promise.race([parsed, failed]);
    await Promise.race([audio.play(), failed]);
    const playing = new Promise<void>((resolve) => {
      const check = () => (audio.currentTime > 1.5 ? resolve() : setTimeout(check, 50));
      check();
    });
    await Promise.race([playing, failed]);
    const result = {
      totalDuration,
      mediaDuration: audio.duration,
      currentTime: audio.currentTime,
      paused: audio.paused,
      error: audio.error?.code ?? null,
      fragments,
    };
    hls.destroy();
    return result;
  }, stream);
}

/**
 * What "it plays" means in both browser tests: hls.js read the whole manifest (its durations add
 * up to the track's), buffered media, played past 1.5 s without an error, through signed segments.
 */
export function expectPlayedFor(result: Awaited<ReturnType<typeof playWithHlsJs>>, seconds: number) {
  expect(Math.abs(result.totalDuration - seconds)).toBeLessThan(0.2);
  expect(Math.abs(result.mediaDuration - seconds)).toBeLessThan(6);
  expect(result.currentTime).toBeGreaterThan(1.5);
  expect(result.paused).toBe(false);
  expect(result.error).toBeNull();
  expect(result.fragments[0]).toMatch(/\/segments\/0\.aac\?expires=\d+&verify=[0-9a-f]{64}$/);
}
