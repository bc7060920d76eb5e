/**
 * Pure checks on one tar header, made before anything of the entry touches the
 * disk (reliability.md items 15–17). Paths come back as segment lists relative
 * to the upload root, with `.` and empty segments dropped.
 */
import { PaasError } from '@paas/core';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink';

const SHOWN_MAX = 200;
// Linux NAME_MAX / PATH_MAX: refuse up front instead of failing half-way.
const SEGMENT_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4095;

/** The entry name as it appears in messages: quoted, escaped, truncated. */
export function shownName(name: string): string {
  const cut = name.length > SHOWN_MAX ? `${name.slice(0, SHOWN_MAX)}…` : name;
  // JSON quoting escapes control characters, so a name cannot forge terminal output.
  return JSON.stringify(cut);
}

export function entryKind(type: string | null | undefined, shown: string): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw new PaasError('UPLOAD_UNSUPPORTED_ENTRY', `entry ${shown} is a ${type}; only files, directories and links may be uploaded`);
    default:
      throw new PaasError('UPLOAD_UNSUPPORTED_ENTRY', `entry ${shown} has an unsupported tar entry type (${String(type)})`);
  }
}

/** Segments of an entry name; throws UPLOAD_UNSAFE_PATH if it could leave the tree. */
export function entrySegments(name: string, shown: string): string[] {
  return safeSegments(name, `entry ${shown}`);
}

/** Segments of a hardlink's target, which tar gives relative to the archive root. */
export function hardlinkTargetSegments(target: string, shown: string): string[] {
  const segs = safeSegments(target, `hardlink ${shown} -> ${shownName(target)}`);
  if (segs.length === 0) throw unsafe(`hardlink ${shown} points at the upload root`);
  return segs;
}

function safeSegments(name: string, what: string): string[] {
  if (name.includes('\0')) throw unsafe(`${what}: the path contains a NUL byte`);
  // A backslash is a separator on Windows; refuse rather than guess.
  if (name.includes('\\')) throw unsafe(`${what}: the path contains a backslash`);
  if (name.startsWith('/')) throw unsafe(`${what}: absolute paths are not allowed`);
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw unsafe(`${what}: '..' is not allowed in paths`);
  checkLength(segs, what);
  return segs;
}

function checkLength(segs: string[], what: string): void {
  let total = 0;
  for (const s of segs) {
    const n = Buffer.byteLength(s);
    if (n > SEGMENT_MAX_BYTES) throw invalid(`${what}: a path segment is longer than ${SEGMENT_MAX_BYTES} bytes`);
    total += n + 1;
  }
  if (total > PATH_MAX_BYTES) throw invalid(`${what}: the path is longer than ${PATH_MAX_BYTES} bytes`);
}

/**
 * A symlink's target must stay inside the tree however the kernel resolves it.
 * Checking the normalised target is not enough: with `d/up -> ..`, the target
 * `d/up/..` normalises to `d` but really leaves the tree. So `..` may only lead
 * the target (climbing from the link's own directory, which is a real directory
 * because nothing is written under a symlink), never follow a name that might
 * itself be a link. Every link is then inside by induction.
 */
export function checkSymlinkTarget(linkSegs: string[], target: string, shown: string): void {
  const what = `symlink ${shown} -> ${shownName(target)}`;
  if (target === '') throw invalid(`symlink ${shown} has an empty target`);
  if (target.includes('\0')) throw unsafe(`${what}: the target contains a NUL byte`);
  if (target.includes('\\')) throw unsafe(`${what}: the target contains a backslash`);
  if (target.startsWith('/')) throw unsafe(`${what}: absolute link targets are not allowed`);
  const parts = target.split('/').filter((s) => s !== '' && s !== '.');
  let ups = 0;
  while (parts[ups] === '..') ups++;
  if (parts.slice(ups).includes('..')) {
    throw unsafe(`${what}: '..' may only come at the start of a link target`);
  }
  const depth = linkSegs.length - 1;
  if (ups > depth) throw unsafe(`${what}: the target is outside the upload`);
  checkLength(parts, what);
}

/** Permission bits only: setuid, setgid and sticky are dropped; the owner can always read and write. */
export function safeMode(mode: number | undefined, kind: 'file' | 'dir'): number {
  if (kind === 'dir') return ((mode ?? 0o755) & 0o777) | 0o700;
  return ((mode ?? 0o644) & 0o777) | 0o600;
}

export function unsafe(message: string): PaasError {
  return new PaasError('UPLOAD_UNSAFE_PATH', message);
}

export function invalid(message: string): PaasError {
  return new PaasError('UPLOAD_INVALID', message);
}
