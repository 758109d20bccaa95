/**
 * Quoting of a source's table and column names. On a database source a name is always one
 * identifier, dots and quotes included: the connection URL names the database (MySQL) or the
 * schema (PostgreSQL `?schema=`), so `a.b` is the table called `a.b`, never table `b` of `a`.
 * (Targets keep schema-qualified names, `crm.customers`; see `quotePgIdentifier`.)
 */

/** `` `name` `` with backticks doubled: one MySQL/MariaDB identifier. */
export function quoteMysqlName(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `"name"` with double quotes doubled: one PostgreSQL identifier. */
export function quotePgName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The end of a "table does not exist" message for a name with a dot: where a qualified name was
 * meant, how to say so.
 */
export function qualifiedNameHint(table: string, container: 'database' | 'schema', option: string): string {
  if (!table.includes('.')) return '';
  const [outer, ...rest] = table.split('.');
  return `; a source table name is one identifier (\`${table}\` is not table \`${rest.join('.')}\` of ${container} \`${outer}\`): to read another ${container}, ${option}`;
}
