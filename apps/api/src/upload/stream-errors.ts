/** Maps errors from the source, zlib and tar-stream onto the catalogue codes (reliability.md items 19–20). */
import { PaasError } from '@paas/core';

export function sourceFailed(err: unknown): PaasError {
  return new PaasError('UPLOAD_INCOMPLETE', `the upload stream failed before the archive was complete: ${messageOf(err)}`, {
    cause: err,
  });
}

export function sourceClosedEarly(): PaasError {
  return new PaasError('UPLOAD_INCOMPLETE', 'the upload stream closed before the archive was complete');
}

/** `at` names where the archive stopped, e.g. ` (after entry app.py)`. */
export function sourceStalled(idleMs: number, received: number, at: string): PaasError {
  return new PaasError('UPLOAD_STALLED', `the upload sent no data for ${idleMs / 1000} s and was aborted; ${received} bytes had arrived${at}`, {
    hint: 'push again; if it keeps stalling, check the network between the CLI and the API',
  });
}

export function gunzipFailed(err: unknown): PaasError {
  // zlib says Z_BUF_ERROR ("unexpected end of file") when the input stops inside the gzip stream.
  if ((err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
    return new PaasError('UPLOAD_INCOMPLETE', 'the upload ended in the middle of the gzip stream', { cause: err });
  }
  return new PaasError('UPLOAD_INVALID', `the upload is not a valid gzip stream: ${messageOf(err)}`, { cause: err });
}

/** `entry` is the last entry seen (quoted), if any; `tarBytes` how much tar data arrived. */
export function tarFailed(err: unknown, entry: string | null, tarBytes: number): PaasError {
  const where = entry === null ? 'before the first entry' : `after entry ${entry}`;
  // tar-stream's only complaint about missing data; anything else is a broken header.
  if (messageOf(err).includes('Unexpected end of data')) {
    if (tarBytes < 512) return notTar(err);
    return new PaasError('UPLOAD_INCOMPLETE', `the archive ends in the middle of an entry (${where})`, { cause: err });
  }
  // tar-stream's own wording ("needs to be gunzipped?") would mislead here; it stays in `cause`.
  return new PaasError('UPLOAD_INVALID', `the archive is not a valid tar: a header is corrupt or of an unknown format (${where})`, {
    cause: err,
  });
}

export function notTar(cause?: unknown): PaasError {
  return new PaasError('UPLOAD_INVALID', 'the upload is gzip but does not hold a tar archive', cause === undefined ? {} : { cause });
}

export function asPaasError(err: unknown): PaasError {
  if (err instanceof PaasError) return err;
  return new PaasError('INTERNAL', `upload extraction failed: ${messageOf(err)}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
