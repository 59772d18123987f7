/**
 * Deterministic pseudo-randomness keyed by (namespace, index), so any item of the catalog
 * can be computed on its own: a million-track catalog needs no memory and no iteration order.
 */

/** 32-bit FNV-1a hash of a string. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A seeded generator (mulberry32) for one item: `rng(ns, index)()` returns floats in [0, 1). */
export function rng(namespace: string, index: number): () => number {
  let state = hashString(`${namespace}:${index}`);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Spotify-style 22-character base62 id. */
export function base62Id(random: () => number, length = 22): string {
  let id = '';
  for (let i = 0; i < length; i++) id += BASE62[Math.floor(random() * 62)];
  return id;
}

export function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}
