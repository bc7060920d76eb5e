import { CST } from 'yaml';

/**
 * Nesting limits, checked before the yaml library composes nodes: its
 * composer recurses, and 5,000 levels of `- - - …` exhaust the process
 * (a fatal out-of-memory, not a catchable error). No real spec nests past ~6.
 */
export const MAX_DEPTH = 64;

/**
 * Cheap upper-bound scan of the raw text, so hostile input fails before the
 * (slower) CST parser runs: bracket nesting ignoring quotes, and chains of
 * `- ` on one line. It can only over-count for a string holding more than
 * MAX_DEPTH unbalanced brackets, which no real spec does.
 * Returns the 1-based line where the limit is passed, or 0.
 */
export function findDeepLineFast(text: string): number {
  let depth = 0;
  let line = 1;
  let dashes = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      dashes = 0;
      atLineStart = true;
      continue;
    }
    if (c === 91 || c === 123) depth++; // [ {
    else if ((c === 93 || c === 125) && depth > 0) depth--; // ] }
    if (atLineStart && c === 45 && (text[i + 1] === ' ' || text[i + 1] === '\n')) dashes++; // "- "
    else if (c !== 32) atLineStart = false;
    if (depth + dashes > MAX_DEPTH) return line;
  }
  return 0;
}

type Collection = CST.BlockMap | CST.BlockSequence | CST.FlowCollection;

/** Exact nesting of collections in the CST, walked with an explicit stack (no recursion). */
export function findDeepOffset(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<[CST.Token, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [CST.Token, number];
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
      continue;
    }
    if (!CST.isCollection(token)) continue;
    const inner = depth + 1;
    if (inner > MAX_DEPTH) return token.offset;
    for (const item of (token as Collection).items) {
      if (item.key) stack.push([item.key, inner]);
      if (item.value) stack.push([item.value, inner]);
    }
  }
  return undefined;
}
