import { describe, expect, it } from 'vitest';
import { contrastRatio, derivePlayerColors } from '../src/collections.js';

describe('derivePlayerColors', () => {
  it("gives the document's examples", () => {
    expect(derivePlayerColors('#1E88E5')).toEqual({
      player_color_light: '#1878CD',
      player_color_dark: '#1E88E5',
    });
    expect(derivePlayerColors('#E53935')).toEqual({
      player_color_light: '#E32C27',
      player_color_dark: '#E53935',
    });
    expect(derivePlayerColors('#8E24AA')).toEqual({
      player_color_light: '#8E24AA',
      player_color_dark: '#B53BD5',
    });
  });

  it('uppercases, keeps null, and always reaches the contrast', () => {
    expect(derivePlayerColors(null)).toEqual({ player_color_light: null, player_color_dark: null });
    expect(derivePlayerColors('#0a0b0c').player_color_light).toBe('#0A0B0C');
    for (const color of ['#FFFFFF', '#000000', '#FFFF00', '#00FF00', '#123456', '#808080']) {
      const derived = derivePlayerColors(color);
      expect(contrastRatio(derived.player_color_light as string, '#FFFFFF')).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(derived.player_color_dark as string, '#000000')).toBeGreaterThanOrEqual(4.5);
    }
  });
});
