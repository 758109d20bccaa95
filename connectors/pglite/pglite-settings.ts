/**
 * PostgreSQL settings for the embedded PGlite database, given at start-up (`-c name=value`), so
 * that its WebAssembly memory stays small. PGlite's WebAssembly memory lives outside the V8 heap
 * the command line caps, and it never shrinks: whatever PostgreSQL touches once stays resident.
 *
 * With PGlite's defaults (shared_buffers 128 MB, max_connections 100) an opened database was
 * 285 MB resident before the first query, and the demo ran at ~530 MB. With these it opens at
 * ~165 MB and the WebAssembly memory stays at its 128 MB minimum (the module's own floor: a
 * smaller `initialMemory` is refused at link time). Files are cached by the operating system
 * anyway, so small shared buffers cost little: PGlite reads and writes the folder with plain
 * synchronous file calls.
 */
import { setFlagsFromString } from 'node:v8';

export const PGLITE_SETTINGS = [
  // One session, no background workers: a few slots suffice (each costs shared memory).
  ['max_connections', '8'],
  ['shared_buffers', '8MB'],
  ['wal_buffers', '1MB'],
  ['temp_buffers', '4MB'],
  ['work_mem', '4MB'],
  ['maintenance_work_mem', '16MB'],
] as const;

/**
 * V8 flags for compiling PGlite's WebAssembly (PostgreSQL, ~9 MB of it): the baseline compiler
 * (Liftoff) only. By default V8 also recompiles the hot functions with its optimising compiler and
 * keeps both, which cost the demo ~50 MB resident and each PGlite start-up ~0.4 CPU-seconds more;
 * the optimised code made a MariaDB ▸ PGlite run ~10 % faster (BENCHMARKS.md). V8's flags are the
 * process's, not a module's: nothing else in cutover is WebAssembly.
 */
export const PGLITE_V8_FLAGS = ['--liftoff-only'] as const;

/** Sets {@link PGLITE_V8_FLAGS}; called before PGlite compiles its module. */
export function useBaselineWasmCompiler(): void {
  for (const flag of PGLITE_V8_FLAGS) setFlagsFromString(flag);
}

/** PGlite's own start-up parameters followed by {@link PGLITE_SETTINGS}. */
export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...PGLITE_SETTINGS.flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}
