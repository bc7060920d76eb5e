/**
 * The name in `names` closest to `wanted` by Damerau-Levenshtein distance
 * (optimal string alignment: insert, delete, substitute, swap two
 * neighbours), when one is close enough to be a likely typo: at most one
 * edit for names up to 4 characters, two up to 9, three beyond. Ties go to
 * the name of the nearest length, then the alphabetically first. Pure.
 */
export function nearestName(wanted: string, names: Iterable<string>): string | undefined {
  const limit = wanted.length <= 4 ? 1 : wanted.length <= 9 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    if (name === wanted || Math.abs(name.length - wanted.length) > limit) continue;
    const distance = osaDistance(wanted, name, best === undefined ? limit : best.distance);
    if (distance > limit) continue;
    if (best === undefined || distance < best.distance || (distance === best.distance && better(name, best.name, wanted))) {
      best = { name, distance };
    }
  }
  return best?.name;
}

function better(a: string, b: string, wanted: string): boolean {
  const da = Math.abs(a.length - wanted.length);
  const db = Math.abs(b.length - wanted.length);
  return da !== db ? da < db : a < b;
}

/** Optimal string alignment distance; returns early with `max + 1` once a whole row exceeds `max`. */
export function osaDistance(a: string, b: string, max = Infinity): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  let before = new Array<number>(cols).fill(0);
  let previous = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const current = new Array<number>(cols).fill(0);
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return previous[cols - 1]!;
}
