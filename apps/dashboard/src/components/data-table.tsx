import type { ComponentChildren } from 'preact';

/** A column heading; `actions` is the unlabelled column of a row's buttons (named for screen readers only). */
export type Column = string | { actions: true };

/**
 * A table that scrolls sideways on a narrow screen instead of widening the
 * page: the headings, then the rows the caller renders.
 */
export function DataTable({ columns, testid, wrapTestid, children }: { columns: Column[]; testid?: string; wrapTestid?: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" data-testid={wrapTestid}>
      <table data-testid={testid}>
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === 'string' ? (
                <th scope="col" key={c}>
                  {c}
                </th>
              ) : (
                <th scope="col" key="actions">
                  <span class="visually-hidden">Actions</span>
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
