import { describe, expect, it } from 'vitest';
import { PaasError, parseSpec } from '@paas/core';
import { checkApprootsPacked } from '../src/approot-check.js';
import type { PackEntry } from '../src/pack.js';

const entry = (name: string, type: PackEntry['type']): PackEntry => ({ name, type, mode: 0o755, size: 0, mtime: new Date(0) });
const spec = (approot: string) => parseSpec(`www:\n  type: python\n  approot: ${approot}\ndb:\n  type: mysql\n  approot: nowhere\n`, { file: 'dotcloud.yml' }).spec;
const entries = [entry('web', 'directory'), entry('web/app.py', 'file'), entry('README', 'file'), entry('link', 'symlink')];

describe('checkApprootsPacked', () => {
  it('accepts an approot among the directories to upload, and leaves symlinks to the API', () => {
    expect(() => checkApprootsPacked(spec('web/'), entries)).not.toThrow();
    expect(() => checkApprootsPacked(spec('./link'), entries)).not.toThrow();
  });

  it('refuses one that is missing or a file, before the upload', () => {
    for (const approot of ['webb', 'README', 'web/app.py']) {
      let caught: unknown;
      try {
        checkApprootsPacked(spec(approot), entries);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PaasError);
      expect((caught as PaasError).code).toBe('SPEC_INVALID');
      expect((caught as PaasError).message).toBe(`dotcloud.yml: www.approot: "${approot}" is not a directory of the pushed tree`);
    }
  });
});
