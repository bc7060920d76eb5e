import { PaasError } from '@paas/core';
import { DockerfileParser, type Flag, type JSONInstruction, type From, type Instruction } from 'dockerfile-ast';
import { STACK_IMAGE } from './layout.js';

export interface ConfineOptions {
  /** The service, for the error's spec path (`www.dockerfile`). */
  service: string;
  /** The Dockerfile's path as the spec names it, for `Dockerfile:LINE` in errors. */
  file: string;
  /** The line inserted after each `FROM` of the stack image (see cacheScopeLine). */
  scopeLine: string;
}

/**
 * The line that makes an app's chain of layers its own: right after `FROM`
 * of the stack image, so no `RUN` or `COPY` layer of one app is ever the
 * cached result of another's (the engine reuses a step for an identical
 * instruction on an identical parent, whichever app built it).
 */
export function cacheScopeLine(app: string, labels: Record<string, string> | undefined): string {
  const platform = labels?.['paas.platform'];
  return `LABEL "paas.cache-scope"=${JSON.stringify(platform === undefined ? app : `${platform}/${app}`)}`;
}

// Mount types that stay inside the build: a bind of the context (or of an
// earlier stage) and a tmpfs. A cache mount is shared by every build on the
// engine, a secret or ssh mount hands the build something of the host's.
const MOUNT_TYPES_ALLOWED = new Set(['bind', 'tmpfs']);
const RUN_FLAGS_ALLOWED = new Set(['mount']);
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const GIT_SSH_RE = /^[^\s/@]+@[^\s/:]+:/;

/**
 * Checks an app's own Dockerfile before the engine is asked for anything and
 * returns it with the app's cache scope after each FROM of the stack image.
 * Refused, naming the line: FROM anything but the stack image or an earlier
 * stage (also COPY --from and RUN --mount from=), a variable where the image
 * must be known, ADD of a URL or git remote, RUN --network, RUN --security,
 * RUN --mount of a cache, secret or ssh, ONBUILD and a `# syntax=` frontend.
 */
export function confineDockerfile(text: string, opts: ConfineOptions): string {
  const refuse = (line: number, reason: string, hint?: string): never => {
    throw new PaasError('DOCKERFILE_REFUSED', `${opts.file}:${line + 1}: ${reason}`, {
      path: `${opts.service}.dockerfile`,
      hint: hint ?? `a custom Dockerfile may start FROM ${STACK_IMAGE} or its own earlier stages, and fetch only from the build context or over the network from RUN`,
    });
  };
  const df = DockerfileParser.parse(text);
  for (const directive of df.getDirectives()) {
    if (directive.getName().toLowerCase() === 'syntax') {
      refuse(directive.getRange().start.line, `# syntax=${directive.getValue()}: a build frontend is another image, and only ${STACK_IMAGE} may be used`);
    }
  }

  const stages: string[] = [];
  const stackFromLines: number[] = [];
  let sawFrom = false;
  // An earlier stage by name or (for --from) by index, or the stack image.
  const known = (ref: string, byIndex: boolean): boolean =>
    ref === STACK_IMAGE || stages.includes(ref.toLowerCase()) || (byIndex && /^\d+$/.test(ref) && Number(ref) < stages.length);

  for (const inst of df.getInstructions()) {
    const line = inst.getRange().start.line;
    const keyword = inst.getKeyword().toUpperCase();
    const shown = firstLine(inst);
    if (keyword === 'FROM') {
      const from = inst as From;
      const image = from.getImage();
      if (image === null) refuse(line, 'FROM names no image');
      const ref = image as string;
      if (ref.includes('$')) {
        refuse(line, `${shown}: the image is a variable, which cannot be checked before the build`, `name the image: FROM ${STACK_IMAGE}, or an earlier stage`);
      }
      for (const flag of from.getFlags()) {
        if (flag.getName().toLowerCase() !== 'platform') refuse(line, `${shown}: FROM --${flag.getName()} is not allowed`);
      }
      if (ref === STACK_IMAGE) stackFromLines.push(inst.getRange().end.line);
      else if (!known(ref, false)) {
        refuse(line, `${shown}: FROM may name only ${STACK_IMAGE} or an earlier stage of this Dockerfile, not ${ref}`);
      }
      stages.push((from.getBuildStage() ?? `#${stages.length}`).toLowerCase());
      sawFrom = true;
      continue;
    }
    if (!sawFrom) continue; // ARG before the first FROM: only FROM lines may use it, and those are checked.
    if (keyword === 'ONBUILD') refuse(line, `${shown}: ONBUILD is not allowed (its trigger runs in a later build, unchecked)`);
    if (keyword === 'COPY' || keyword === 'ADD') {
      const flags = (inst as JSONInstruction).getFlags();
      for (const flag of flags) {
        if (flag.getName().toLowerCase() !== 'from') continue;
        const value = flag.getValue() ?? '';
        if (value.includes('$')) refuse(line, `${shown}: --from is a variable, which cannot be checked before the build`);
        if (!known(value, true)) refuse(line, `${shown}: --from may name only ${STACK_IMAGE} or an earlier stage, not ${value}`);
      }
    }
    if (keyword === 'ADD') {
      for (const source of sources(inst as JSONInstruction)) {
        if (URL_RE.test(source) || GIT_SSH_RE.test(source)) {
          refuse(line, `${shown}: ADD from ${source} fetches from outside the build context`, 'put the file in the pushed tree, or fetch it from a RUN step');
        }
        if (source.includes('$')) refuse(line, `${shown}: an ADD source that is a variable cannot be checked before the build`);
      }
    }
    if (keyword === 'RUN') {
      for (const flag of (inst as JSONInstruction).getFlags()) checkRunFlag(flag, line, shown, known, refuse);
    }
  }

  if (stackFromLines.length === 0) return text;
  const lines = text.split('\n');
  // From the bottom up, so earlier insertions do not move later line numbers.
  for (const end of [...stackFromLines].reverse()) lines.splice(end + 1, 0, opts.scopeLine);
  return lines.join('\n');
}

function checkRunFlag(
  flag: Flag,
  line: number,
  shown: string,
  known: (ref: string, byIndex: boolean) => boolean,
  refuse: (line: number, reason: string, hint?: string) => never,
): void {
  const name = flag.getName().toLowerCase();
  if (name === 'network') refuse(line, `${shown}: RUN --network is not allowed; builds use the platform's build network`);
  if (name === 'security') refuse(line, `${shown}: RUN --security is not allowed`);
  if (!RUN_FLAGS_ALLOWED.has(name)) refuse(line, `${shown}: RUN --${flag.getName()} is not allowed`);
  const options = new Map(flag.getOptions().map((o) => [o.getName().toLowerCase(), o.getValue() ?? '']));
  if ([...options.values()].some((v) => v.includes('$'))) refuse(line, `${shown}: a --mount option that is a variable cannot be checked before the build`);
  const type = (options.get('type') ?? 'bind').toLowerCase();
  if (!MOUNT_TYPES_ALLOWED.has(type)) {
    refuse(line, `${shown}: RUN --mount=type=${type} is not allowed (a ${type} mount is shared with or taken from outside this app's build)`, 'mount only the build context or an earlier stage (type=bind), or a tmpfs');
  }
  const from = options.get('from');
  if (from !== undefined && !known(from, true)) refuse(line, `${shown}: --mount from= may name only an earlier stage, not ${from}`);
}

function sources(inst: JSONInstruction): string[] {
  const json = inst.getJSONStrings();
  const args = json.length > 0 ? json.map((a) => a.getJSONValue()) : inst.getArguments().map((a) => a.getValue());
  return args.slice(0, -1);
}

/** The instruction as written, on one line and cut short, for messages. */
function firstLine(inst: Instruction): string {
  const flat = inst.toString().replace(/\s*\\?\r?\n\s*/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
