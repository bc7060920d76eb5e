import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PaasError, parseSpec } from '@paas/core';
import { checkApproots } from '../src/push/check-approots.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paas-approot-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'web/static'), { recursive: true });
  writeFileSync(join(dir, 'README'), 'hi\n');
  return dir;
}

async function errorOf(dir: string, yml: string): Promise<PaasError | undefined> {
  const { spec } = parseSpec(yml, { file: 'dotcloud.yml' });
  try {
    await checkApproots(dir, spec);
    return undefined;
  } catch (err) {
    if (err instanceof PaasError) return err;
    throw err;
  }
}

describe('checkApproots', () => {
  it('accepts approots that are directories of the tree, and data services are not looked at', async () => {
    const dir = tree();
    expect(await errorOf(dir, 'www:\n  type: python\n  approot: web\napi:\n  type: static\n  approot: web/static/\nroot:\n  type: nodejs\ndb:\n  type: mysql\n  approot: nowhere\n')).toBeUndefined();
  });

  it('refuses a missing approot, a file, and a symlink leading out of the tree, naming each', async () => {
    const dir = tree();
    symlinkSync(tmpdir(), join(dir, 'out'));
    const err = await errorOf(dir, 'www:\n  type: python\n  approot: site\nw2:\n  type: python\n  approot: README\nw3:\n  type: static\n  approot: out\n');
    expect(err?.code).toBe('SPEC_INVALID');
    expect(err?.message).toBe('dotcloud.yml: www.approot: "site" is not a directory of the pushed tree (and 2 more)');
    expect(err?.problems).toEqual([
      { path: 'www.approot', message: '"site" is not a directory of the pushed tree' },
      { path: 'w2.approot', message: '"README" is not a directory of the pushed tree' },
      { path: 'w3.approot', message: '"out" is not a directory of the pushed tree' },
    ]);
  });
});
