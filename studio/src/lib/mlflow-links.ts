/**
 * Where a link into MLflow's own web UI goes in the studio. The MLflow client prints
 * `View run <name> at: <tracking URI>/#/experiments/<id>/runs/<run>` after every run (and the
 * registry links `/#/models/<name>/versions/<v>`); the server sends `<tracking URI>/` to the
 * studio of that workspace and the fragment, which never reaches a server, comes along. Returns
 * the studio path (below /studio) for `hash`, or undefined when it names no MLflow page.
 */
export function studioPathForMlflowHash(workspace: string, hash: string): string | undefined {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('?')[0]!
    .split('/')
    .filter((part) => part !== '');
  if (parts.length === 0) return undefined;
  const base = `/w/${encodeURIComponent(workspace)}`;
  const [section, name, child, childName] = parts.map(decodeSegment);
  if (section === 'experiments') {
    if (name === undefined) return `${base}/experiments`;
    if (child === 'runs' && childName !== undefined) return `${base}/runs/${encodeURIComponent(childName)}`;
    return `${base}/experiments/${encodeURIComponent(name)}`;
  }
  if (section === 'models') {
    if (name === undefined) return `${base}/models`;
    if (child === 'versions' && childName !== undefined)
      return `${base}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(childName)}`;
    return `${base}/models/${encodeURIComponent(name)}`;
  }
  return undefined;
}

/** MLflow's UI percent-encodes names in its links; a malformed escape is kept as written. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
