// Finding an entry by what a person types, tired or on a small keyboard: the words as typed first, and only
// when none holds them, the words within a typo or two ("dizy", "insomia", "Klonipin", "Xanex").

/** Lower case without accents or apostrophes, so "mareo" finds "Mareo", "insomnio" finds "insomnío", and
 * "cant sleep" or a phone's curly "can’t sleep" finds "can't sleep". */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").replace(/['‘’`´]/g, "").toLowerCase().trim();
}

export type Found<T> = {
  entries: T[];
  /** Found by close spelling, not as typed: the person may still mean something of their own. */
  close: boolean;
};

const wordsIn = (text: string) => fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** Typos a word may carry: none in a short word, where one typo makes another word ("pain", "rain"); one up to
 * seven letters, two from eight. */
const allowed = (word: string) => (word.length < 4 ? 0 : word.length < 8 ? 1 : 2);

/** Edits between two words (a letter added, dropped, changed, or two letters swapped), or max + 1 past max. */
export function typos(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // rows[i][j]: edits between the first i letters of a and the first j of b.
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    const above = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const changed = a[i - 1] === b[j - 1] ? 0 : 1;
      let edits = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + changed);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) edits = Math.min(edits, rows[i - 2]![j - 2]! + 1);
      row.push(edits);
    }
    // Past max on two rows running: a swap reaches back only one row.
    if (Math.min(...row) > max && Math.min(...above) >= max) return max + 1;
    rows.push(row);
  }
  return Math.min(rows[a.length]![b.length]!, max + 1);
}

/** Typos between a typed word and the start of a word of the entry's, still being typed: "insomi" is
 * "insomnia" begun with one typo. */
function typosToStart(typed: string, word: string, max: number): number {
  let fewest = max + 1;
  for (let length = typed.length - max; length <= typed.length + max; length++) {
    if (length > 0 && length <= word.length) fewest = Math.min(fewest, typos(typed, word.slice(0, length), max));
  }
  return fewest;
}

/** Typos in the whole query against one entry's words, or undefined where some typed word is not close to any
 * of them. */
function closeness(typed: string[], words: string[]): number | undefined {
  let total = 0;
  for (const word of typed) {
    const max = allowed(word);
    const fewest = Math.min(...words.map((w) => typosToStart(word, w, max)));
    if (fewest > max) return undefined;
    total += fewest;
  }
  return total;
}

/** The entries whose words hold the query as typed, in their order; where none does, those within a typo or two
 * in each typed word, closest first. */
export function search<T>(entries: T[], wordsOf: (entry: T) => string[], query: string): Found<T> {
  const q = fold(query);
  if (!q) return { entries: [], close: false };
  const exact = entries.filter((e) => wordsOf(e).some((w) => fold(w).includes(q)));
  if (exact.length) return { entries: exact, close: false };
  const typed = wordsIn(q);
  const scored = entries
    .map((entry) => ({ entry, typos: closeness(typed, wordsOf(entry).flatMap(wordsIn)) }))
    .filter((s): s is { entry: T; typos: number } => s.typos !== undefined)
    .sort((a, b) => a.typos - b.typos);
  return { entries: scored.map((s) => s.entry), close: scored.length > 0 };
}
