/** 30000 → "30 s", 1500 → "1.5 s": durations in messages people read. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
