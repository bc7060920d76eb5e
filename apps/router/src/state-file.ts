import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RouteTable, TlsSet } from '@paas/core';
import { findTableProblem, normalizeTable } from './route-table.js';
import { findTlsProblem, normalizeTlsSet } from './tls-set.js';

/**
 * The last table (or certificate set), as JSON, mode 0600 in a 0700
 * directory. Written to a temporary file, fsynced, then renamed over the old
 * one: a crash leaves either the old or the new document, never half.
 */
export async function saveState(file: string, value: RouteTable | TlsSet): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(value));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // Persist the rename itself.
  const dir = await open(dirname(file), 'r').catch(() => null);
  if (dir !== null) await dir.sync().catch(() => undefined).finally(() => dir.close());
}

export type Loaded<T> = { value: T } | { value: null; problem: string };

/** The saved table; null (with why) when there is none or it cannot be used. */
export function loadTable(file: string): Promise<Loaded<RouteTable>> {
  return loadState(file, findTableProblem, normalizeTable);
}

/** The saved certificate set, checked again (a key swapped on disk is refused, not served). */
export function loadTlsSet(file: string): Promise<Loaded<TlsSet>> {
  return loadState(file, findTlsProblem, normalizeTlsSet);
}

async function loadState<T>(file: string, findProblem: (v: unknown) => { path: string; message: string } | null, normalize: (v: T) => T): Promise<Loaded<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { value: null, problem: 'none saved' };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { value: null, problem: `${file} is not JSON` };
  }
  const problem = findProblem(value);
  if (problem !== null) return { value: null, problem: `${file}: ${problem.path} ${problem.message}` };
  return { value: normalize(value as T) };
}
