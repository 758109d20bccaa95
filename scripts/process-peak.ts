/**
 * The resident high-water mark of a child process, and of the processes it starts, sampled from
 * `/proc/<pid>/status` (`VmHWM`, which the kernel keeps per process). Sampling misses at most the
 * last interval's growth of a process; the kernel's own mark misses nothing before it.
 * Linux only: elsewhere {@link canSampleProcesses} is false.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessPeak {
  /** The process's own peak resident set, MB. */
  readonly mainMb: number;
  /** The largest peak among the processes it started (PGlite's database creation), MB; 0 if none. */
  readonly childrenMb: number;
}

export const canSampleProcesses = (): boolean => existsSync('/proc/self/status');

/** Starts sampling `pid` every `intervalMs`; `stop()` returns the peaks seen. */
export function samplePeak(pid: number, intervalMs = 50): { stop(): ProcessPeak } {
  let main = 0;
  let children = 0;
  const sample = () => {
    main = Math.max(main, highWaterKb(pid));
    for (const child of childrenOf(pid)) children = Math.max(children, highWaterKb(child));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { mainMb: Math.round(main / 1024), childrenMb: Math.round(children / 1024) };
    },
  };
}

function highWaterKb(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited between two samples
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
