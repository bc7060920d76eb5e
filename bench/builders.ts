/**
 * Build benchmark of the php, ruby, perl and java types: for one example of
 * each (the fixtures under test/fixtures/types), a cold build (no cache, so
 * the Debian packages are fetched again) and a rebuild after a code-only
 * change. Targets: rebuild ≤ 10 % of the cold build and ≤ 5 s.
 * Run from the repo root: npx tsx bench/builders.ts [type ...]
 */
import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { parseSpec, type CodeService } from '@paas/core';
import { layersReusedBeforeCode } from './lib/build-layers.js';
import { removeLabelledImages, timeBuild } from './lib/build-run.js';

interface Example {
  type: string;
  fixture: string;
  service: string;
  /** The file a code-only change touches, and the comment appended to it. */
  file: string;
  comment: string;
}

const EXAMPLES: Example[] = [
  { type: 'php', fixture: 'php', service: 'www', file: 'index.php', comment: '// rebuilt\n' },
  { type: 'php-worker', fixture: 'php', service: 'worker', file: 'worker.php', comment: '// rebuilt\n' },
  { type: 'ruby', fixture: 'ruby', service: 'www', file: 'config.ru', comment: '# rebuilt\n' },
  { type: 'ruby-worker', fixture: 'ruby', service: 'worker', file: 'worker.rb', comment: '# rebuilt\n' },
  { type: 'perl', fixture: 'perl', service: 'www', file: 'app.psgi', comment: '# rebuilt\n' },
  { type: 'perl-worker', fixture: 'perl', service: 'worker', file: 'worker.pl', comment: '# rebuilt\n' },
  { type: 'java', fixture: 'java', service: 'www', file: 'Main.java', comment: '// rebuilt\n' },
];

interface Row {
  type: string;
  cold: number;
  rebuild: number;
  ratio: number;
  layers: string;
  met: boolean;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((t) => !EXAMPLES.some((e) => e.type === t));
if (unknown.length > 0) {
  console.error(`unknown type(s): ${unknown.join(', ')}; known: ${EXAMPLES.map((e) => e.type).join(', ')}`);
  process.exit(2);
}
const examples = wanted.length === 0 ? EXAMPLES : EXAMPLES.filter((e) => wanted.includes(e.type));
const fixtures = new URL('../test/fixtures/types/', import.meta.url).pathname;
const runId = `bench-builders-${randomBytes(4).toString('hex')}`;
const labels = { 'paas.bench': runId };
const docker = new Dockerode();

async function measure(example: Example): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-bench-builders-'));
  try {
    await cp(join(fixtures, example.fixture), dir, { recursive: true });
    const spec = parseSpec(await readFile(join(dir, 'paas.yml'), 'utf8'), { file: 'paas.yml' }).spec;
    const service = spec.services[example.service];
    if (service?.kind !== 'code' || service.type !== example.type) throw new Error(`${example.fixture}/paas.yml has no ${example.type} service ${example.service}`);
    const base = { app: 'bench', service: service as CodeService, sourceDir: dir, labels };
    const cold = await timeBuild(docker, { ...base, buildId: `${example.type}-cold`, clean: true });
    // A code-only change: a comment at the end of one source file.
    await appendFile(join(dir, example.file), example.comment);
    const warm = await timeBuild(docker, { ...base, buildId: `${example.type}-rebuild` });
    const layers = await layersReusedBeforeCode(docker, cold.imageId, warm.imageId);
    const ratio = warm.seconds / cold.seconds;
    return {
      type: example.type,
      cold: cold.seconds,
      rebuild: warm.seconds,
      ratio,
      layers: `${layers.reused}/${layers.total}`,
      met: ratio <= 0.1 && warm.seconds <= 5 && layers.reused === layers.total,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
try {
  for (const example of examples) {
    const row = await measure(example);
    console.log(`${row.type}: cold ${row.cold.toFixed(1)} s, rebuild ${row.rebuild.toFixed(2)} s`);
    rows.push(row);
  }
} finally {
  const removed = await removeLabelledImages(docker, `paas.bench=${runId}`).catch((err: unknown) => {
    console.error(`cleanup failed: ${String(err)}`);
    return 0;
  });
  console.log(`removed ${removed} image(s)`);
}

const header = ['type', 'cold (s)', 'rebuild (s)', 'ratio', 'layers reused', 'target'];
const table = rows.map((r) => [r.type, r.cold.toFixed(1), r.rebuild.toFixed(2), `${(r.ratio * 100).toFixed(1)} %`, r.layers, r.met ? 'met' : 'MISSED']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log('');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
console.log('\ntarget: rebuild ≤ 10 % of cold and ≤ 5 s, every layer below the code COPY reused');
process.exitCode = rows.length === examples.length && rows.every((r) => r.met) ? 0 : 1;
