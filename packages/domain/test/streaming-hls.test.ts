import { describe, expect, it } from 'vitest';
import {
  hlsManifest,
  hlsSegmentIndex,
  packedAudioTimestampTag,
  signedHlsSegmentUri,
  verifyHlsSegmentUrl,
} from '../src/streaming-hls.js';

const STREAM = '173fd1b7-72c4-44c4-9244-55a0a167a352';

describe('HLS streams', () => {
  it('a manifest rounds its target duration up and ends the list', () => {
    const text = hlsManifest([
      { duration: 6.016, uri: 'segments/0.aac' },
      { duration: 2.5, uri: 'segments/1.aac' },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n' +
        '#EXTINF:6.016,\nsegments/0.aac\n#EXTINF:2.500,\nsegments/1.aac\n#EXT-X-ENDLIST\n',
    );
  });

  it('a signed segment URI verifies as the server sees it, until it expires; changed, never', async () => {
    const uri = await signedHlsSegmentUri(STREAM, 3, 'secret', 2_000);
    expect(uri).toMatch(/^segments\/3\.aac\?expires=2000&verify=[0-9a-f]{64}$/);
    const path = `/api/v1/streams/${STREAM}/segments/3.aac`;
    const query = uri.slice(uri.indexOf('?') + 1);
    await expect(verifyHlsSegmentUrl(path, query, 'secret', 1_999_000)).resolves.toBeUndefined();
    await expect(verifyHlsSegmentUrl(path, query, 'secret', 2_000_000)).rejects.toMatchObject({
      status: 403,
      message: 'This segment URL has expired.',
    });
    for (const [changedPath, changedQuery, secret] of [
      [path.replace('3.aac', '4.aac'), query, 'secret'],
      [path, query.replace('expires=2000', 'expires=3000'), 'secret'],
      [path, query, 'other'],
      [path, 'expires=2000', 'secret'],
    ] as const) {
      await expect(verifyHlsSegmentUrl(changedPath, changedQuery, secret, 0)).rejects.toMatchObject({
        status: 403,
        message: 'This segment URL is invalid.',
      });
    }
  });

  it('segment names are numbers without leading zeros', () => {
    expect(hlsSegmentIndex('0.aac')).toBe(0);
    expect(hlsSegmentIndex('12.aac')).toBe(12);
    for (const name of ['01.aac', '1.ts', 'a.aac', '1.aac.aac'])
      expect(hlsSegmentIndex(name)).toBeUndefined();
  });

  it('the ID3 tag carries the 33-bit 90 kHz timestamp of the first sample', () => {
    const tag = packedAudioTimestampTag(6.016);
    expect(new TextDecoder().decode(tag.subarray(0, 3))).toBe('ID3');
    expect(tag.length).toBe(10 + (tag[9] as number));
    expect(new TextDecoder().decode(tag.subarray(20, 64))).toBe(
      'com.apple.streaming.transportStreamTimestamp',
    );
    const view = new DataView(tag.buffer);
    expect(view.getUint32(tag.length - 8) * 2 ** 32 + view.getUint32(tag.length - 4)).toBe(541_440);
    // Past 2^33 ticks (26.5 hours) the clock wraps, as MPEG-2's does.
    const wrapped = new DataView(packedAudioTimestampTag(2 ** 33 / 90_000 + 1).buffer);
    expect(wrapped.getUint32(tag.length - 8)).toBe(0);
    expect(wrapped.getUint32(tag.length - 4)).toBe(90_000);
  });
});
