/**
 * "Did you mean …?" for a mistyped name: the closest of the known names, or
 * nothing when none is close enough to be a likely typo.
 */

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap
 * of two neighbours as one edit (optimal string alignment), so `pyhton` is
 * one edit from `python`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name `word` most likely stands for: ignoring case and `-`/`_`,
 * within one edit for short words and two for longer ones, or a known name it
 * is the start of (`node` → `nodejs`). Undefined when nothing is that close.
 */
export function closestName(word: string, known: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const asked = norm(word.trim());
  if (asked === '') return undefined;
  const limit = asked.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (name === word) return undefined;
    const candidate = norm(name);
    const distance = asked.length >= 3 && candidate.startsWith(asked) ? Math.min(editDistance(asked, candidate), limit) : editDistance(asked, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean "process"?)`, or '' when no known name is close. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const name = closestName(word, known);
  return name === undefined ? '' : ` (did you mean ${JSON.stringify(name)}?)`;
}
