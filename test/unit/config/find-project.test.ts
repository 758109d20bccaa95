/** Which project a command works on without `-p`: `$CUTOVER_PROJECT`, else the nearest cutover.yaml upwards. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectFile, locateProject } from '../../../pipelines/config/find-project.js';
import { RunError } from '../../../pipelines/errors.js';

describe('locateProject', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cutover-find-'));
    await mkdir(path.join(root, 'outer', 'inner', 'deep', 'deeper'), { recursive: true });
    await mkdir(path.join(root, 'odd', 'cutover.yaml'), { recursive: true });
    await mkdir(path.join(root, 'odd', 'below'), { recursive: true });
    await writeFile(path.join(root, 'outer', 'cutover.yaml'), 'outer\n');
    await writeFile(path.join(root, 'outer', 'inner', 'cutover.yaml'), 'inner\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('takes -p, then CUTOVER_PROJECT (unless empty), then the nearest cutover.yaml from the current folder up', async () => {
    const cwd = path.join(root, 'outer', 'inner', 'deep', 'deeper');
    expect(await locateProject('given', { CUTOVER_PROJECT: 'named' }, cwd)).toBe('given');
    expect(await locateProject(undefined, { CUTOVER_PROJECT: 'named' }, cwd)).toBe('named');
    expect(await locateProject(undefined, { CUTOVER_PROJECT: '' }, cwd)).toBe(path.join(root, 'outer', 'inner', 'cutover.yaml'));
    expect(await findProjectFile(path.join(root, 'outer'))).toBe(path.join(root, 'outer', 'cutover.yaml'));
  });

  it('finds a cutover.yaml that is not a file, so that loading it says what is wrong', async () => {
    expect(await findProjectFile(path.join(root, 'odd', 'below'))).toBe(path.join(root, 'odd', 'cutover.yaml'));
  });

  it('says where it looked when no folder up to the root holds one', async () => {
    const start = path.join(root, 'nothing', 'here');
    await mkdir(start, { recursive: true });
    const error = await findProjectFile(start).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).message).toBe(`no cutover.yaml in ${start} or any folder above it (up to /)`);
    expect((error as RunError).hint).toMatch(/-p DIR or CUTOVER_PROJECT; nothing was run$/);
  });
});
