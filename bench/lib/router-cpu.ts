import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/**
 * CPU time (ms, user + system) used so far by a process and all its
 * descendants (nginx workers, cluster workers), from /proc. CPU per request
 * hardly depends on what else runs on the machine, unlike req/s, so it
 * compares two proxies fairly on a shared, busy machine. 0 where /proc is
 * not there.
 */
export function cpuMs(pid: number): number {
  let ticks = 0;
  const seen = new Set<number>();
  const walk = (p: number): void => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at ") ".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const c of children === '' ? [] : children.split(' ')) walk(Number(c));
      }
    } catch {
      // The process ended between two reads: what it used is gone with it.
    }
  };
  walk(pid);
  return (ticks * 1_000) / ticksPerSecond;
}
