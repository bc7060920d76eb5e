import type { ErrorBody } from '@paas/core';

/** An API error as the CLI shows it: the code and message, then how to fix it. */
export function ErrorAlert({ error }: { error: ErrorBody | null | undefined }) {
  if (!error) return null;
  return (
    <div class="alert" role="alert">
      <strong>{error.code}</strong> {error.message}
      {error.hint ? <div class="hint">{error.hint}</div> : null}
    </div>
  );
}
