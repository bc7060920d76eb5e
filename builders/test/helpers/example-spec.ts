import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSpec, type CodeService } from '@paas/core';

/** The example's code service, parsed from its paas.yml the way a push parses it. */
export async function loadExampleService(dir: string): Promise<CodeService> {
  const text = await readFile(join(dir, 'paas.yml'), 'utf8');
  const services = Object.values(parseSpec(text, { file: 'paas.yml' }).spec.services);
  const code = services.find((s): s is CodeService => s.kind === 'code');
  if (code === undefined) throw new Error(`${dir}/paas.yml: no code service`);
  return code;
}
