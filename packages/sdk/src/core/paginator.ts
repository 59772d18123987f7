/**
 * Every item of a paged list, fetched page by page as the loop asks for them:
 * `for await (const item of paginator)` yields items, `for await (const page of paginator.pages())`
 * yields pages. Pages without items are skipped. Each loop starts again from the first page.
 */
export interface Paginator<TItem, TPage = TItem[]> extends AsyncIterable<TItem> {
  pages(): AsyncGenerator<TPage, void, undefined>;
}

export interface PaginatorSource<TPage, TItem, TCursor> {
  /** The first page's cursor (an offset, a page number, a token); `undefined` fetches nothing. */
  first: TCursor | undefined;
  fetchPage(cursor: TCursor): Promise<TPage>;
  items(page: TPage): readonly TItem[];
  /** The cursor of the page after `page`, or `undefined` when `page` was the last. */
  next(page: TPage, cursor: TCursor): TCursor | undefined;
}

/** The one paginator behind every list: cursor, page number or offset, as `source` says. */
export function createPaginator<TPage, TItem, TCursor>(
  source: PaginatorSource<TPage, TItem, TCursor>,
): Paginator<TItem, TPage> {
  async function* pages() {
    for (let cursor = source.first; cursor !== undefined; ) {
      const page = await source.fetchPage(cursor);
      if (source.items(page).length > 0) yield page;
      cursor = source.next(page, cursor);
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* source.items(page);
    },
  };
}

export interface OffsetPagination<TPage, TItem> {
  /** Default 0. */
  offset?: number;
  /** Page size; a page with fewer items is the last. 0 or less fetches nothing. */
  limit: number;
  fetchPage(offset: number, limit: number): Promise<TPage>;
  items(page: TPage): readonly TItem[];
  /** The total the page reports, if any: no page is fetched past it. */
  total?(page: TPage): number | undefined;
}

/** `createPaginator` for offset/limit lists. */
export function paginateByOffset<TPage, TItem>(
  options: OffsetPagination<TPage, TItem>,
): Paginator<TItem, TPage> {
  const { limit } = options;
  return createPaginator({
    first: limit > 0 ? (options.offset ?? 0) : undefined,
    fetchPage: (offset) => options.fetchPage(offset, limit),
    items: options.items,
    next(page, offset) {
      const end = offset + options.items(page).length;
      const total = options.total?.(page);
      return end - offset < limit || (total !== undefined && end >= total) ? undefined : end;
    },
  });
}
