/**
 * The key pip compares requirements by: the project name normalized as PEP 503 says
 * (`Scikit_Learn` = `scikit-learn`). A line with no name up front (a URL, a path, an option)
 * is its own key.
 */
export function pipRequirementKey(line: string): string {
  const text = line.trim();
  if (/^([a-z][a-z0-9+.-]*:\/\/|(git|hg|svn|bzr)\+)/i.test(text)) return text;
  const name = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/.exec(text)?.[0];
  if (name === undefined) return text;
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
