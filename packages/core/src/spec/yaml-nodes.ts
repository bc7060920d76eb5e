import { isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node, type Scalar } from 'yaml';
import { pathOf } from './paths.js';
import type { Problem } from '../errors.js';

/** Tags of the YAML core schema; anything else (`!!python/object`, `!foo`) is refused. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface NodeScan {
  problems: Problem[];
  /** Path → source text of plain scalars that YAML read as a number or boolean. */
  rawScalars: Map<string, string>;
}

/**
 * Checks the composed nodes (depth is already bounded, so recursion is safe):
 * custom tags, keys that are not scalars, duplicate keys with their path.
 * Aliases are not followed here; their expansion is capped in toJS.
 */
export function scanNodes(root: Node | null, lines: LineCounter): NodeScan {
  const scan: NodeScan = { problems: [], rawScalars: new Map() };
  const lineOf = (node: { range?: unknown }): number => {
    const range = node.range as [number, number, number] | undefined | null;
    return range ? lines.linePos(range[0]).line : 0;
  };
  const hasCustomTag = (node: unknown, path: string): boolean => {
    const tag = (node as { tag?: string } | null)?.tag;
    if (tag === undefined || CORE_TAGS.has(tag)) return false;
    const shown = tag.replace('tag:yaml.org,2002:', '!!');
    scan.problems.push({ path, message: `custom YAML tag ${shown} is not allowed (line ${lineOf(node as Node)}); write plain values` });
    return true;
  };
  const visit = (node: unknown, path: string): void => {
    if (node === null || node === undefined || isAlias(node) || hasCustomTag(node, path)) return;
    if (isScalar(node)) {
      recordRaw(scan, node, path);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, pathOf(path, i)));
    } else if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = keyText(pair.key);
        if (key === undefined) {
          scan.problems.push({ path, message: `keys must be plain strings, not lists, maps or aliases (line ${lineOf(pair.key as Node)})` });
          continue;
        }
        const keyPath = pathOf(path, key);
        const line = lineOf((pair.key ?? node) as Node);
        const first = seen.get(key);
        if (first !== undefined) {
          scan.problems.push({ path: keyPath, message: `duplicate key ${JSON.stringify(key)} (line ${line}; first at line ${first})` });
          continue;
        }
        seen.set(key, line);
        if (!hasCustomTag(pair.key, keyPath)) visit(pair.value, keyPath);
      }
    }
  };
  visit(root, '');
  return scan;
}

/** The key as toJS will spell it; undefined for keys that are not scalars. */
function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (!isScalar(key)) return undefined;
  if (typeof key.value === 'symbol') return '<<'; // merge key
  return key.value === null ? '' : String(key.value);
}

function recordRaw(scan: NodeScan, node: Scalar, path: string): void {
  const isPlain = node.type === 'PLAIN' || node.type === undefined;
  const value = node.value;
  if (isPlain && (typeof value === 'number' || typeof value === 'boolean') && typeof node.source === 'string') {
    scan.rawScalars.set(path, node.source);
  }
}
