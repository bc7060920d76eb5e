import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@paas/core';
import type { CodeService, ParsedSpec } from '@paas/core';
import { codeService } from './code-service.js';

type ParseSpec = (text: string, opts: { file: 'paas.yml' }) => ParsedSpec;

/**
 * The examples' code service, parsed by @paas/core's parseSpec once core
 * exports it; until then by a reader for the small YAML subset the examples
 * use (maps by indentation, scalars, [flow, lists]).
 */
export async function loadExampleService(dir: string): Promise<CodeService> {
  const text = await readFile(join(dir, 'paas.yml'), 'utf8');
  const parseSpec = (core as unknown as { parseSpec?: ParseSpec }).parseSpec;
  if (parseSpec !== undefined) {
    const services = Object.values(parseSpec(text, { file: 'paas.yml' }).spec.services);
    const code = services.find((s): s is CodeService => s.kind === 'code');
    if (code === undefined) throw new Error(`${dir}: no code service`);
    return code;
  }
  return fallbackService(text);
}

function fallbackService(text: string): CodeService {
  const root = readMap(text.split('\n').map((l) => l.replace(/\s+#.*$|^\s*#.*$/, '')).filter((l) => l.trim() !== ''));
  const [name, body] = Object.entries(root)[0] ?? [];
  if (name === undefined || typeof body !== 'object' || Array.isArray(body)) throw new Error('paas.yml: expected one service');
  const b = body as Record<string, unknown>;
  const service = codeService({ name, type: b['type'] as CodeService['type'] });
  if (Array.isArray(b['systempackages'])) service.systempackages = b['systempackages'] as string[];
  if (typeof b['process'] === 'string') service.process = b['process'];
  if (typeof b['processes'] === 'object') service.processes = b['processes'] as Record<string, string>;
  if (typeof b['config'] === 'object') service.config = b['config'] as Record<string, unknown>;
  return service;
}

type Value = string | string[] | { [key: string]: Value };

function readMap(lines: string[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  const indent = (l: string) => l.length - l.trimStart().length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^\s*([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (m === null) throw new Error(`paas.yml: cannot read ${JSON.stringify(line)}`);
    const [, key = '', rest = ''] = m;
    if (rest !== '') {
      out[key] = rest.startsWith('[') ? rest.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean) : rest;
      continue;
    }
    const child: string[] = [];
    while (i + 1 < lines.length && indent(lines[i + 1] ?? '') > indent(line)) child.push(lines[++i] ?? '');
    out[key] = readMap(child);
  }
  return out;
}
