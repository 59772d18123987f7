/**
 * A small inverted index over item texts (word → the sorted indexes of the items holding it), for
 * the built-in catalog's search: a query reads the postings of its words, never every item, so its
 * cost follows the matches, not the catalog's size (issue 10's rule for every search).
 *
 * Semantics: every word of the query must be a word of the item, the last one as a prefix (the
 * query is usually typed as one goes), case- and accent-insensitively.
 */
export interface WordIndex {
  /** Items whose text matches `query`, in index order, at most `limit`. */
  search(query: string, limit: number): number[];
}

/** Lower-case words without accents: `"Beyoncé's Mix"` → `["beyonce", "s", "mix"]`. */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export function createWordIndex(count: number, textOf: (index: number) => string): WordIndex {
  let built: { postings: Map<string, number[]>; vocabulary: string[] } | undefined;
  // Built on the first search: the demo catalog is a pure function of its size, so the index is too.
  const ready = () => {
    built ??= build();
    return built;
  };
  const build = () => {
    const postings = new Map<string, number[]>();
    for (let index = 0; index < count; index++) {
      for (const word of new Set(wordsOf(textOf(index)))) {
        const list = postings.get(word);
        if (list) list.push(index);
        else postings.set(word, [index]);
      }
    }
    return { postings, vocabulary: [...postings.keys()].sort() };
  };

  /** The posting lists of the words that start with `prefix` (binary search in the sorted vocabulary). */
  function prefixPostings(prefix: string): number[][] {
    const { postings, vocabulary } = ready();
    let low = 0;
    let high = vocabulary.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((vocabulary[middle] as string) < prefix) low = middle + 1;
      else high = middle;
    }
    const lists: number[][] = [];
    for (let i = low; i < vocabulary.length && (vocabulary[i] as string).startsWith(prefix); i++)
      lists.push(postings.get(vocabulary[i] as string) as number[]);
    return lists;
  }

  return {
    search(query, limit) {
      const terms = wordsOf(query);
      if (terms.length === 0 || limit < 1) return [];
      const { postings } = ready();
      const last = terms.length - 1;
      const perTerm = terms.map((term, i) =>
        i === last ? prefixPostings(term) : [postings.get(term) ?? []],
      );
      const sizes = perTerm.map((lists) => lists.reduce((sum, list) => sum + list.length, 0));
      // Walk the rarest term's items; check the other terms on each item's own words.
      const driver = sizes.indexOf(Math.min(...sizes));
      const lists = perTerm[driver] as number[][];
      const candidates =
        lists.length === 1 ? (lists[0] as number[]) : [...new Set(lists.flat())].sort((a, b) => a - b);
      const others = terms
        .map((term, i) => ({ term, prefix: i === last, i }))
        .filter(({ i }) => i !== driver);
      const found: number[] = [];
      for (const index of candidates) {
        if (others.length > 0) {
          const words = wordsOf(textOf(index));
          const matches = others.every(({ term, prefix }) =>
            words.some((word) => (prefix ? word.startsWith(term) : word === term)),
          );
          if (!matches) continue;
        }
        found.push(index);
        if (found.length >= limit) break;
      }
      return found;
    },
  };
}
