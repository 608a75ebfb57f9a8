/**
 * Quoting for the bash scripts Trellis hands to Slurm. Single quotes are the one bash quoting
 * in which nothing is special ($, `, \, ", newlines all stay literal), so a value is wrapped in
 * them and each ' inside is written as '\'' (close, escaped quote, reopen).
 */

/** Returns `value` as one bash word that reads back byte for byte. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot hold a NUL byte');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Whether `name` can be an environment variable that bash exports. */
export function isShellVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
