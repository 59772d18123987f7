import { describe, expect, it } from 'vitest';
import { organizationVariants, previewWindow, variantView } from '../src/collections-variants.js';

const preview = organizationVariants('org').find((variant) => variant.index === 'preview')?.preview;
if (!preview) throw new Error('the default variants have a preview');

describe('collections variants', () => {
  it('configures hq, lq, preview and the automatic files, with ids stable per organization', () => {
    const variants = organizationVariants('org');
    expect(variants.map((variant) => [variant.index, variant.type])).toEqual([
      ['hq', 'transcode'],
      ['lq', 'transcode'],
      ['preview', 'preview'],
      ['levels', 'levels'],
      ['waveform', 'waveform_image'],
      ['original', 'original'],
      ['cover', 'cover'],
    ]);
    expect(organizationVariants('org').map((variant) => variant.id)).toEqual(variants.map((v) => v.id));
    expect(organizationVariants('other')[0]?.id).not.toBe(variants[0]?.id);
    expect(variantView(variants[0] as (typeof variants)[0])).toMatchObject({
      index: 'hq',
      format: 'mp3',
      codec: 'mp3',
      bitrate: 320,
      preview_type: null,
    });
  });

  it('cuts previews by seconds within the percent bounds, and by percent within the seconds bounds', () => {
    // 60 s wanted, at most 50 % of 4 s: 2 s, from 25 % in.
    expect(previewWindow(4, preview)).toEqual({ start: 1, length: 2 });
    expect(previewWindow(600, preview)).toEqual({ start: 150, length: 60 });
    // At least 50 % of 10 s, starting at 90 %: moved back so it ends at the end.
    expect(
      previewWindow(10, {
        ...preview,
        preview_seconds: 1,
        preview_min_percent: 50,
        preview_start_percent: 90,
      }),
    ).toEqual({ start: 5, length: 5 });
    const percent = { ...preview, preview_type: 'percent' as const };
    expect(previewWindow(100, percent)).toEqual({ start: 25, length: 25 });
    expect(previewWindow(1000, percent)).toEqual({ start: 250, length: 90 });
    expect(previewWindow(8, { ...percent, preview_min_seconds: 20 })).toEqual({ start: 0, length: 8 });
  });
});
