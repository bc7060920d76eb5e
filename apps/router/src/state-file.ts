import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RouteTable } from '@paas/core';
import { findTableProblem, normalizeTable } from './route-table.js';

/**
 * The last table, as JSON. Written to a temporary file, fsynced, then renamed
 * over the old one: a crash leaves either the old or the new table, never half.
 */
export async function saveTable(file: string, table: RouteTable): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(table));
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

export type LoadedTable = { table: RouteTable } | { table: null; problem: string };

/** The saved table; null (with why) when there is none or it cannot be used. */
export async function loadTable(file: string): Promise<LoadedTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { table: null, problem: 'no saved table' };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { table: null, problem: `${file} is not JSON` };
  }
  const problem = findTableProblem(value);
  if (problem !== null) return { table: null, problem: `${file}: ${problem.path} ${problem.message}` };
  return { table: normalizeTable(value as RouteTable) };
}
