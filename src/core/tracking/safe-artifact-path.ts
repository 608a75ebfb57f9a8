/**
 * MLflow's check of an artifact path a client sends (validate_path_is_safe in mlflow/utils/uri.py),
 * so Trellis refuses the same paths with the same answer, "Invalid path". The path is
 * percent-decoded until it stops changing (a '%2e%2e' is a '..'), control characters are written
 * back as %XX, and then '#', backslashes, '..' segments and absolute paths (POSIX, Windows, file:
 * URIs) are refused. Trellis's own key rules (artifacts/artifact-path.ts) apply after this one.
 */

/** The path MLflow would use (decoded), or undefined when MLflow refuses it as "Invalid path". */
export function mlflowSafePath(path: string): string | undefined {
  const decoded = decodeRepeatedly(path);
  if (decoded === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped here.
  let checked = decoded.replace(/[\u0000-\u001f\u007f]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (checked.includes('#')) return undefined;
  if (/^file:/i.test(checked)) checked = checked.replace(/^file:(\/\/[^/]*)?/i, '');
  if (checked.includes('\\')) return undefined;
  if (checked.split('/').includes('..')) return undefined;
  if (checked.startsWith('/')) return undefined;
  // What Python's PureWindowsPath calls absolute: a drive and a root ('C:/x'), or a UNC share ('//host/share').
  if (/^[A-Za-z]:\//.test(checked)) return undefined;
  return checked;
}

/** Python's urllib.parse.unquote, repeated until the text stops changing (at most 10 times, as MLflow). */
function decodeRepeatedly(text: string): string | undefined {
  let current = text;
  for (let round = 0; round < 10; round++) {
    const next = unquote(current);
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/** Decodes each run of %XX escapes as UTF-8 (invalid bytes become U+FFFD); a '%' not followed by two hex digits stays. */
function unquote(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(
      run
        .split('%')
        .slice(1)
        .map((hex) => Number.parseInt(hex, 16)),
    ).toString('utf8'),
  );
}
