import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/errors.js';
import { repoFile } from './helpers.js';

interface DocRow {
  status: number;
  exit: number;
  fix: string;
}

/** Rows of the table in docs/errors.md: `| CODE | status | exit | how to fix it |`. */
function docRows(): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const line of repoFile('docs/errors.md').split('\n')) {
    const m = /^\|\s*([A-Z][A-Z_]*)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    const [, code = '', status = '', exit = '', fix = ''] = m;
    expect(rows.has(code), `${code} is listed twice`).toBe(false);
    rows.set(code, { status: Number(status), exit: Number(exit), fix });
  }
  return rows;
}

describe('docs/errors.md', () => {
  const rows = docRows();

  it.each(Object.entries(errorCatalogue))('documents %s with its status and exit code', (code, spec) => {
    const row = rows.get(code);
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
    expect({ status: row?.status, exit: row?.exit }).toEqual({ status: spec.status, exit: spec.exit });
    expect(row?.fix.length, `${code} needs a "how to fix it" sentence`).toBeGreaterThan(20);
  });

  it('lists only codes that exist', () => {
    const unknown = [...rows.keys()].filter((code) => !Object.hasOwn(errorCatalogue, code));
    expect(unknown).toEqual([]);
  });
});
