import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';
import type { ErrorReply } from './envelope.js';

/**
 * The derived player colors of the collections API (`DerivedPlayerColor` in openapi/collections.yaml):
 * a variant of the chosen color readable on a light background and one readable on a dark background
 * (WCAG 2 contrast of at least 4.5), found by moving the HSL lightness in steps of 0.01. Here so the
 * server and the mock derive exactly the same colors.
 */

const MINIMUM_CONTRAST = 4.5;

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

function rgbToHsl([r, g, b]: Rgb): [number, number, number] {
  const [rn, gn, bn] = [r / 255, g / 255, b / 255];
  const max = Math.max(rn, gn, bn);
  const min = Math.min(rn, gn, bn);
  const lightness = (max + min) / 2;
  if (max === min) return [0, 0, lightness];
  const delta = max - min;
  const saturation = lightness > 0.5 ? delta / (2 - max - min) : delta / (max + min);
  let hue: number;
  if (max === rn) hue = (gn - bn) / delta + (gn < bn ? 6 : 0);
  else if (max === gn) hue = (bn - rn) / delta + 2;
  else hue = (rn - gn) / delta + 4;
  return [hue / 6, saturation, lightness];
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  if (saturation === 0) {
    const gray = Math.round(lightness * 255);
    return [gray, gray, gray];
  }
  const q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const p = 2 * lightness - q;
  const channel = (offset: number) => {
    let t = hue + offset;
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return [channel(1 / 3), channel(0), channel(-1 / 3)].map((value) => Math.round(value * 255)) as Rgb;
}

function relativeLuminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(parseHex(a)), relativeLuminance(parseHex(b))];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function adjustUntilReadable(hex: string, background: string, direction: 1 | -1): string {
  const rgb = parseHex(hex);
  const [hue, saturation, lightness] = rgbToHsl(rgb);
  let candidate = toHex(rgb);
  // At most 100 steps: lightness 0 (black) and 1 (white) pass against white and black respectively.
  for (let step = 1; contrastRatio(candidate, background) < MINIMUM_CONTRAST && step <= 100; step++) {
    const next = Math.min(1, Math.max(0, lightness + direction * step * 0.01));
    candidate = toHex(hslToRgb(hue, saturation, next));
  }
  return candidate;
}

export interface DerivedPlayerColors {
  player_color_light: string | null;
  player_color_dark: string | null;
}

/** `player_color_light` / `player_color_dark` for a `#RRGGBB` color (both `null` for `null`). */
export function derivePlayerColors(playerColor: string | null): DerivedPlayerColors {
  if (playerColor === null) return { player_color_light: null, player_color_dark: null };
  return {
    player_color_light: adjustUntilReadable(playerColor, '#FFFFFF', -1),
    player_color_dark: adjustUntilReadable(playerColor, '#000000', 1),
  };
}

/** The cover image types the collections API stores, by file extension. */
export type ImageType = 'jpg' | 'png';

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageType, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type from its first bytes, whatever the declared content type says; undefined when neither. */
export function sniffImage(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) {
    return 'png';
  }
  return undefined;
}

// ——— the collections envelope ———

/** Statuses the service documents; anything else is answered as a 500. */
const STATUSES_KEPT = new Set([400, 401, 403, 404, 405, 409, 413, 415]);

/** `{ ok: false, message, api_request_id }` for every collections error. */
export function collectionsErrorReply(error: HttpError, apiRequestId: string): ErrorReply {
  const status = STATUSES_KEPT.has(error.status) ? error.status : 500;
  const body: components['schemas']['ErrorEnvelope'] = {
    ok: false,
    message: status === 500 ? 'Internal server error' : error.message,
    api_request_id: apiRequestId,
  };
  return { status, body, headers: error.options.headers };
}

/** The API key of `Authorization: Bearer <key>`, or the service's 401. */
export function collectionsApiKey(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new HttpError(401, 'Unauthorized: send "Authorization: Bearer <API key>"');
  return match[1] as string;
}

export const unknownApiKey = () => new HttpError(401, 'Unauthorized: unknown API key');
