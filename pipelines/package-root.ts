/** Files that ship with the package (format schemas, the example project), found from compiled or source code alike. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

export function packagePath(...segments: string[]): string {
  if (root === null) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'mappings'))) {
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error(`cannot find the cutover package root above ${fileURLToPath(import.meta.url)}`);
      dir = parent;
    }
    root = dir;
  }
  return path.join(root, ...segments);
}
