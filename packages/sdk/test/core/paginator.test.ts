import { describe, expect, it } from 'vitest';
import { createPaginator, paginateByOffset } from '../../src/core/index.js';

/** `Array.fromAsync`, which Node 20 lacks. */
async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

/** 7 items served 3 per page, recording the offsets asked for. */
function offsetList(total = 7) {
  const all = Array.from({ length: total }, (_, index) => `item-${index}`);
  const asked: number[] = [];
  const fetchPage = async (offset: number, limit: number) => {
    asked.push(offset);
    return { count: all.length, items: all.slice(offset, offset + limit) };
  };
  return { all, asked, fetchPage };
}

describe('paginator', () => {
  it('yields every item with for await, fetching page by page', async () => {
    const list = offsetList();
    const items: string[] = [];
    for await (const item of paginateByOffset({
      limit: 3,
      fetchPage: list.fetchPage,
      items: (page) => page.items,
    }))
      items.push(item);

    expect(items).toEqual(list.all);
    expect(list.asked).toEqual([0, 3, 6]);
  });

  it('yields pages with .pages(), and stops at the total without asking for an empty page', async () => {
    const list = offsetList(6);
    const paginator = paginateByOffset({
      limit: 3,
      fetchPage: list.fetchPage,
      items: (page) => page.items,
      total: (page) => page.count,
    });
    const pages = [];
    for await (const page of paginator.pages()) pages.push(page.items);

    expect(pages).toEqual([list.all.slice(0, 3), list.all.slice(3, 6)]);
    expect(list.asked).toEqual([0, 3]);
  });

  it('fetches lazily: breaking out of the loop fetches no further page', async () => {
    const list = offsetList();
    const paginator = paginateByOffset({ limit: 3, fetchPage: list.fetchPage, items: (page) => page.items });
    for await (const item of paginator) {
      expect(item).toBe('item-0');
      break;
    }
    expect(list.asked).toEqual([0]);
    // Each loop starts over.
    expect((await collect(paginator)).length).toBe(7);
  });

  it('starts at the offset given, skips empty pages and fetches nothing for a limit of 0', async () => {
    const list = offsetList();
    const from = paginateByOffset({
      offset: 5,
      limit: 3,
      fetchPage: list.fetchPage,
      items: (page) => page.items,
    });
    expect(await collect(from)).toEqual(['item-5', 'item-6']);
    const pastTheEnd = paginateByOffset({
      offset: 9,
      limit: 3,
      fetchPage: list.fetchPage,
      items: (page) => page.items,
    });
    expect(await collect(pastTheEnd.pages())).toEqual([]);
    const none = paginateByOffset({ limit: 0, fetchPage: list.fetchPage, items: (page) => page.items });
    list.asked.length = 0;
    expect(await collect(none)).toEqual([]);
    expect(list.asked).toEqual([]);
  });

  it('serves cursor lists too', async () => {
    const pages: Record<string, { data: number[]; next?: string }> = {
      start: { data: [1, 2], next: 'b' },
      b: { data: [3], next: 'c' },
      c: { data: [4, 5] },
    };
    const paginator = createPaginator({
      first: 'start',
      fetchPage: async (cursor: string) => pages[cursor]!,
      items: (page) => page.data,
      next: (page) => page.next,
    });

    expect(await collect(paginator)).toEqual([1, 2, 3, 4, 5]);
    expect((await collect(paginator.pages())).map((page) => page.data.length)).toEqual([2, 1, 2]);
  });
});
