import { stringify } from 'yaml';
import { PaasError, type Problem } from '../errors.js';
import { isServiceName } from '../names.js';
import type { ParsedSpec, SpecWarning } from '../spec-types.js';
import { parseSpec } from './parse.js';
import { chooseSpecFile, SPEC_FILES } from './spec-file.js';
import { PROVIDED_RUNTIMES, normaliseVersion } from './versions.js';

/**
 * Heroku apps as they are: a tree with a `Procfile` and no paas.yml is read
 * as the paas.yml it implies. Every `TYPE: command` line becomes a code
 * service named TYPE (`web` gets the port and the route, the others are
 * workers); the language comes from the manifests. The derived document goes
 * through parseSpec like a written one, so it obeys every rule of paas.yml.
 * Pure: the caller reads the files listed in PROCFILE_INPUTS.
 */

export const PROCFILE = 'Procfile';

/** Files the derivation looks at, at the root of the tree (each read only if present). */
export const PROCFILE_INPUTS = [
  PROCFILE, 'requirements.txt', 'runtime.txt', '.python-version', 'package.json', 'Gemfile', 'composer.json',
] as const;

export type ProcfileInput = (typeof PROCFILE_INPUTS)[number];

export interface ProcfileEntry {
  /** The process type, which becomes the service name. */
  type: string;
  command: string;
  /** 1-based line in the Procfile. */
  line: number;
}

/** Heroku's own rule for the part before the colon. */
const LINE_RE = /^([A-Za-z0-9_-]+):[ \t]*(.*)$/;

/**
 * Parses a Procfile: one `TYPE: command` per line; blank lines and `#`
 * comments are skipped. Every bad line is reported at once, with its number;
 * throws PROCFILE_INVALID.
 */
export function parseProcfile(text: string): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const at = `${PROCFILE}:${line}`;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const match = LINE_RE.exec(text);
    if (match === null) {
      problems.push({ path: at, message: `expected "TYPE: command" (e.g. web: gunicorn app:app), got ${JSON.stringify(truncate(text))}` });
      return;
    }
    const [, type = '', command = ''] = match;
    if (command.trim() === '') {
      problems.push({ path: at, message: `process type ${JSON.stringify(type)} has no command` });
      return;
    }
    if (!isServiceName(type)) {
      problems.push({
        path: at,
        message: `process type ${JSON.stringify(type)} cannot be a service name: use 1–16 lowercase letters, digits and _, starting with a letter`,
      });
      return;
    }
    const first = seen.get(type);
    if (first !== undefined) {
      problems.push({ path: at, message: `process type ${JSON.stringify(type)} is already defined on line ${first}` });
      return;
    }
    seen.set(type, line);
    entries.push({ type, command: command.trim(), line });
  });
  if (problems.length === 0 && entries.length === 0) {
    problems.push({ path: PROCFILE, message: 'the Procfile defines no process type; add a line such as web: gunicorn app:app' });
  }
  if (problems.length > 0) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new PaasError('PROCFILE_INVALID', `${first?.path ?? PROCFILE}: ${first?.message ?? 'invalid'}${more}`, {
      problems,
      ...(first === undefined ? {} : { path: first.path }),
      hint: 'each line is TYPE: command, TYPE being 1–16 lowercase letters, digits and _ (web gets the route); see docs/spec.md',
    });
  }
  return entries;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export type ProcfileLanguage = 'ruby' | 'nodejs' | 'python' | 'php';

/** Heroku's detection order: the first manifest found decides. */
const LANGUAGES: readonly { language: ProcfileLanguage; manifest: ProcfileInput; name: string }[] = [
  { language: 'ruby', manifest: 'Gemfile', name: 'Ruby' },
  { language: 'nodejs', manifest: 'package.json', name: 'Node.js' },
  { language: 'python', manifest: 'requirements.txt', name: 'Python' },
  { language: 'php', manifest: 'composer.json', name: 'PHP' },
];

export interface DetectedLanguage {
  language: ProcfileLanguage;
  /** The manifest that decided. */
  manifest: ProcfileInput;
  /** Other manifests present and not used. */
  ignored: ProcfileInput[];
}

/** The language of the tree, from its manifests; undefined when there is none. */
export function detectLanguage(files: Partial<Record<ProcfileInput, string>>): DetectedLanguage | undefined {
  const found = LANGUAGES.filter((l) => files[l.manifest] !== undefined);
  const [first] = found;
  if (first === undefined) return undefined;
  return { language: first.language, manifest: first.manifest, ignored: found.slice(1).map((l) => l.manifest) };
}

export interface RuntimeRequest {
  /** The config key of paas.yml it becomes. */
  key: 'python_version' | 'node_version';
  version: string;
  /** Where it was read. */
  source: string;
}

export interface RuntimeReading {
  request?: RuntimeRequest;
  warnings: SpecWarning[];
}

/**
 * The Python version asked for: `.python-version` (`3.12`), else
 * `runtime.txt` (`python-3.12.1`), Heroku's current and older ways.
 */
export function readPythonVersion(files: Partial<Record<ProcfileInput, string>>): RuntimeReading {
  const warnings: SpecWarning[] = [];
  const fromDotFile = files['.python-version'];
  const fromRuntime = files['runtime.txt'];
  if (fromDotFile !== undefined) {
    if (fromRuntime !== undefined) warnings.push({ path: 'runtime.txt', message: 'both .python-version and runtime.txt exist; using .python-version and ignoring runtime.txt' });
    // pyenv's format: the first line that is not a comment.
    const line = fromDotFile.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
    const version = normaliseVersion(line.replace(/^python-?/i, ''));
    if (version === undefined) {
      warnings.push({ path: '.python-version', message: `cannot read ${JSON.stringify(truncate(line))} as a Python version (e.g. 3.11); ${PROVIDED_RUNTIMES.python_version.instead} will be used` });
      return { warnings };
    }
    return { request: { key: 'python_version', version, source: '.python-version' }, warnings };
  }
  if (fromRuntime !== undefined) {
    const text = fromRuntime.trim();
    const match = /^python-(\S+)$/i.exec(text);
    const version = match?.[1] === undefined ? undefined : normaliseVersion(match[1]);
    if (version === undefined) {
      warnings.push({ path: 'runtime.txt', message: `cannot read ${JSON.stringify(truncate(text))} as a Python version (e.g. python-3.11.4); ${PROVIDED_RUNTIMES.python_version.instead} will be used` });
      return { warnings };
    }
    return { request: { key: 'python_version', version, source: 'runtime.txt' }, warnings };
  }
  return { warnings };
}

/**
 * package.json's engines.node. A range the provided Node.js satisfies asks
 * for nothing; one it does not becomes node_version (a warning, or
 * VERSION_UNSUPPORTED with --strict); one that cannot be read is a warning.
 * Handles the forms seen in practice: 18, 18.x, ^18.2.0, ~18, >=16, >=16 <21.
 */
export function readNodeVersion(packageJson: string | undefined): RuntimeReading {
  if (packageJson === undefined) return { warnings: [] };
  let engines: unknown;
  try {
    engines = (JSON.parse(packageJson) as { engines?: { node?: unknown } } | null)?.engines?.node;
  } catch {
    return { warnings: [{ path: 'package.json', message: 'is not valid JSON; engines.node cannot be read' }] };
  }
  if (engines === undefined) return { warnings: [] };
  const provided = Number(PROVIDED_RUNTIMES.node_version.version);
  const source = 'package.json engines.node';
  const unreadable = (): RuntimeReading => ({
    warnings: [{ path: source, message: `cannot read ${JSON.stringify(engines)} as a Node.js version range; ${PROVIDED_RUNTIMES.node_version.instead} will be used` }],
  });
  if (typeof engines !== 'string') return unreadable();
  const range = engines.trim();
  const lower = /^>=?\s*v?(\d+)(?:\.[\dx*]+)*(?:\s+<\s*v?(\d+)(?:\.[\dx*]+)*)?$/.exec(range);
  if (lower !== null) {
    const from = Number(lower[1]);
    const below = lower[2] === undefined ? Infinity : Number(lower[2]);
    if (from <= provided && provided < below) return { warnings: [] };
    return { request: { key: 'node_version', version: String(from <= provided ? below - 1 : from), source }, warnings: [] };
  }
  const exact = /^[\^~=]?\s*v?(\d+)(?:\.[\dx*]+)*$/.exec(range);
  if (exact?.[1] !== undefined) {
    const major = Number(exact[1]);
    return major === provided ? { warnings: [] } : { request: { key: 'node_version', version: String(major), source }, warnings: [] };
  }
  return unreadable();
}

export interface DerivedSpec extends ParsedSpec {
  /** The paas.yml the Procfile stands for, as text: what `paas validate` shows. */
  yaml: string;
  language: DetectedLanguage;
}

/**
 * The paas.yml a Procfile app stands for. Throws PROCFILE_INVALID (bad
 * lines, or no manifest to tell the language), or what parseSpec throws for
 * the derived document (a version with --strict, a type not supported yet).
 */
export function deriveProcfileSpec(files: Partial<Record<ProcfileInput, string>>, opts: { strict?: boolean } = {}): DerivedSpec {
  const procfile = files[PROCFILE];
  if (procfile === undefined) throw new PaasError('SPEC_NOT_FOUND', 'no Procfile at the root of the directory');
  const entries = parseProcfile(procfile);
  const language = detectLanguage(files);
  if (language === undefined) {
    throw new PaasError('PROCFILE_INVALID', `${PROCFILE}: cannot tell the language: no ${LANGUAGES.map((l) => l.manifest).join(', ')} at the root`, {
      path: PROCFILE,
      hint: 'add the manifest of your language (requirements.txt for Python, package.json for Node.js), or write a paas.yml',
    });
  }
  const warnings: SpecWarning[] = [];
  if (language.ignored.length > 0) {
    warnings.push({ path: language.manifest, message: `${language.ignored.join(' and ')} ${language.ignored.length === 1 ? 'is' : 'are'} also present; the language is taken from ${language.manifest} (write a paas.yml to choose another)` });
  }
  const runtime = language.language === 'python' ? readPythonVersion(files)
    : language.language === 'nodejs' ? readNodeVersion(files['package.json'])
      : { warnings: [] };
  warnings.push(...runtime.warnings);

  const document: Record<string, Record<string, unknown>> = {};
  for (const entry of entries) {
    // Heroku runs `release` once per deploy, before the new processes: not a
    // service. A worker that exits would be restarted forever instead.
    if (entry.type === 'release') {
      warnings.push({
        path: `${PROCFILE}:${entry.line}`,
        message: 'release: Heroku\'s release phase is not run here; write a paas.yml and use postinstall (run in each new instance) or paas run',
      });
      continue;
    }
    const type = entry.type === 'web' ? language.language : `${language.language}-worker`;
    const service: Record<string, unknown> = { type, process: entry.command };
    if (runtime.request !== undefined) service.config = { [runtime.request.key]: runtime.request.version };
    document[entry.type] = service;
  }
  if (Object.keys(document).length === 0) {
    throw new PaasError('PROCFILE_INVALID', `${PROCFILE}: only a release process; add a process type such as web: or worker:`, { path: PROCFILE });
  }
  const manifestNote = `# Derived from ${PROCFILE} (language from ${language.manifest}${runtime.request ? `, version from ${runtime.request.source}` : ''}); a paas.yml would take precedence.\n`;
  const yaml = manifestNote + stringify(document, { lineWidth: 0 });
  const parsed = parseSpec(yaml, { file: PROCFILE, strict: opts.strict ?? false });
  // The version warnings point into the derived document; say which file asked.
  const source = runtime.request?.source;
  const sourced = parsed.warnings.map((w) => (source !== undefined && /\.config\.(python|node)_version$/.test(w.path) ? { ...w, path: source } : w));
  // One warning per file, not one per service.
  const unique = sourced.filter((w, i) => sourced.findIndex((o) => o.path === w.path && o.message === w.message) === i);
  return { spec: parsed.spec, warnings: [...warnings, ...unique], yaml, language };
}

export interface ChosenSource {
  file: (typeof SPEC_FILES)[number] | typeof PROCFILE;
  /** Set when another spec file (or a Procfile) is present and ignored. */
  warning?: string;
}

/**
 * paas.yml, then dotcloud.yml, then a Procfile: a written spec always wins
 * over the derived one, and says so. Throws SPEC_NOT_FOUND when none is there.
 */
export function chooseSpecSource(present: readonly string[]): ChosenSource {
  const hasSpec = SPEC_FILES.some((file) => present.includes(file));
  if (!hasSpec && present.includes(PROCFILE)) return { file: PROCFILE };
  let chosen: ChosenSource;
  try {
    chosen = chooseSpecFile(present);
  } catch (err) {
    if (err instanceof PaasError && err.code === 'SPEC_NOT_FOUND') {
      throw new PaasError('SPEC_NOT_FOUND', 'no paas.yml, dotcloud.yml or Procfile at the root of the directory', { ...(err.hint === undefined ? {} : { hint: err.hint }) });
    }
    throw err;
  }
  if (!present.includes(PROCFILE)) return chosen;
  const warning = chosen.warning === undefined
    ? `both ${chosen.file} and a Procfile exist; using ${chosen.file} and ignoring the Procfile`
    : `${chosen.warning}; the Procfile is ignored too`;
  return { file: chosen.file, warning };
}
