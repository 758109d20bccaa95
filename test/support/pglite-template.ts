/**
 * An empty PGlite data folder made once per test file and copied for each project that needs a
 * target: initdb is most of what opening a new PGlite folder costs.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';

const templates = new Map<string, Promise<string>>();

/** The template folder inside `root`, made on first use. */
export function pgliteTemplate(root: string): Promise<string> {
  let template = templates.get(root);
  if (template === undefined) {
    template = (async () => {
      const folder = path.join(root, 'pglite-template');
      const { PGlite } = await import('@electric-sql/pglite');
      const database = new PGlite(folder);
      await database.waitReady;
      await database.close();
      return folder;
    })();
    templates.set(root, template);
  }
  return template;
}

/** A copy of the template at `folder` (its parent is created). */
export async function copyPgliteTemplate(root: string, folder: string): Promise<void> {
  await mkdir(path.dirname(folder), { recursive: true });
  await cp(await pgliteTemplate(root), folder, { recursive: true });
}
