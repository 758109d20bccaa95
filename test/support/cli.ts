/**
 * Runs the built CLI (`dist/scripts/cli.js`, which `npm test` builds first) as a user would, in a
 * child process, and returns its exit code and output.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packagePath } from '../../pipelines/package-root.js';
import { samplePeak, type ProcessPeak } from '../../scripts/process-peak.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return runScript('cli.js', args, options);
}

/** {@link runCli}, with the resident high-water marks of the CLI's process and of those it starts, sampled. */
export async function runCliMeasured(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult & { readonly peak: ProcessPeak }> {
  let sampler: { stop(): ProcessPeak } | undefined;
  const result = await runScript('cli.js', args, options, (pid) => (sampler = samplePeak(pid)));
  return { ...result, peak: sampler!.stop() };
}

/** One of the built scripts (`dist/scripts/<script>`: the CLI, a benchmark), in a child process. */
export function runScript(script: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}, onStart?: (pid: number) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [packagePath('dist', 'scripts', script), ...args],
      // No terminal: no progress line. NO_COLOR keeps the output plain for assertions.
      { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (child.pid !== undefined) onStart?.(child.pid);
  });
}

/**
 * A copy of the bundled example project in a temporary folder (logs and state stay out of the
 * repo), without a `.env` someone put in the checkout: the test gives the variables.
 */
export async function copyExampleProject(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cutover-project-'));
  await cp(packagePath('mappings', 'example'), dir, { recursive: true, filter: (source) => path.basename(source) !== '.env' });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a bundled project that shares files with its siblings (example-mysql names the
 * example's mappings as `../example/…`): the whole mappings folder is copied, and `dir` is the project's.
 */
export async function copyBundledProject(name: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'cutover-projects-'));
  await cp(packagePath('mappings'), root, { recursive: true, filter: (source) => path.basename(source) !== '.env' && path.basename(source) !== '.cutover' });
  return { dir: path.join(root, name), remove: () => rm(root, { recursive: true, force: true }) };
}

/** The CLI started in the background, for tests that stop or kill it. */
export function startCli(args: readonly string[], options: { env?: Record<string, string> } = {}): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [packagePath('dist', 'scripts', 'cli.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, exited };
}
