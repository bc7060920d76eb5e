import { Composer, LineCounter, Parser, type Document } from 'yaml';
import { PaasError, type Problem } from '../errors.js';
import type { SpecFileName } from '../spec-types.js';
import { findDeepLineFast, findDeepOffset, MAX_DEPTH } from './yaml-depth.js';
import { scanNodes } from './yaml-nodes.js';
import { specError } from './problems.js';

/** A spec is a few KiB; the cap keeps parsing cost bounded whatever arrives. */
export const MAX_SPEC_BYTES = 256 * 1024;
/** Alias uses allowed while expanding; a billion-laughs file fails at the 101st. */
export const MAX_ALIAS_COUNT = 100;

export interface LoadedYaml {
  /** Plain JS value of the single document; null for an empty file. */
  value: unknown;
  /** Path → source text of plain numbers and booleans (see yaml-nodes.ts). */
  rawScalars: Map<string, string>;
}

/**
 * Reads untrusted YAML into plain JS: one document, core schema only, no
 * duplicate keys, bounded size, depth and alias expansion. Throws
 * SPEC_TOO_LARGE or SPEC_INVALID listing every problem found.
 */
export function loadYaml(text: string, file: SpecFileName): LoadedYaml {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    throw new PaasError('SPEC_TOO_LARGE', `${file} is ${Math.ceil(bytes / 1024)} KiB; the limit is ${MAX_SPEC_BYTES / 1024} KiB`, {
      hint: 'a spec describes services; move data and scripts into files of the pushed tree',
    });
  }
  const fail = (problems: Problem[]): never => {
    throw specError(file, problems.map((p) => ({ ...p, kind: 'invalid' as const })));
  };
  const tooDeep = (line: number): Problem => ({ path: '', message: `line ${line}: nesting deeper than ${MAX_DEPTH} levels is not allowed` });

  const fastLine = findDeepLineFast(text);
  if (fastLine > 0) fail([tooDeep(fastLine)]);

  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deepOffset = findDeepOffset(tokens);
  if (deepOffset !== undefined) fail([tooDeep(lines.linePos(deepOffset).line)]);

  const docs = [...new Composer({ uniqueKeys: false, merge: true }).compose(tokens)];
  const syntax = syntaxProblems(text, docs, lines);
  if (syntax.length > 0) fail(syntax);
  const doc = docs[0];
  if (doc === undefined) return { value: null, rawScalars: new Map() };

  const scan = scanNodes(doc.contents, lines);
  if (scan.problems.length > 0) fail(scan.problems);
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), rawScalars: scan.rawScalars };
  } catch (err) {
    // The yaml library throws a ReferenceError once aliases expand past the cap.
    if (err instanceof ReferenceError) {
      fail([{ path: '', message: `aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias uses); write the values out instead` }]);
    }
    throw err;
  }
}

function syntaxProblems(text: string, docs: Document.Parsed[], lines: LineCounter): Problem[] {
  if (docs.length > 1) {
    const second = docs[1]?.range[0] ?? 0;
    return [{ path: '', message: `line ${lines.linePos(second).line}: the file holds ${docs.length} YAML documents; keep only the first (remove the --- separators)` }];
  }
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length === 0) return [];
  // Tab indentation makes the yaml library report a cascade of errors; say the one thing that matters.
  const tabLines = tabIndentedLines(text);
  if (tabLines.length > 0) {
    return tabLines.map((line) => ({ path: '', message: `line ${line}: tabs are not allowed in YAML indentation; indent with spaces` }));
  }
  const seen = new Set<number>();
  const problems: Problem[] = [];
  for (const err of errors) {
    const { line, col } = lines.linePos(err.pos[0]);
    if (seen.has(line)) continue;
    seen.add(line);
    problems.push({ path: '', message: `line ${line}, column ${col}: not valid YAML: ${err.message.split('\n')[0]}` });
  }
  return problems;
}

function tabIndentedLines(text: string): number[] {
  const found: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^ *\t/.test(line) && line.trim() !== '') found.push(i + 1);
  });
  return found;
}
