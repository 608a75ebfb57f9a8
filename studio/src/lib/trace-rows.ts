/** How the traces table writes a trace's state, previews and tags. */

/** The badge tones of components/status-badge.tsx (not imported: this file's tests run without JSX). */
type Tone = 'ok' | 'bad' | 'busy' | 'idle';

/** OK went well, ERROR failed, IN_PROGRESS is under way; anything else is unknown. */
export function traceStateTone(state: string): Tone {
  if (state === 'OK') return 'ok';
  if (state === 'ERROR') return 'bad';
  if (state === 'IN_PROGRESS') return 'busy';
  return 'idle';
}

/** The tags a user set, sorted: MLflow's own (mlflow.traceName, mlflow.artifactLocation, ...) are columns or noise here. */
export function userTags(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags)
    .filter(([key]) => !key.startsWith('mlflow.'))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A preview on one line, at most `length` characters, an ellipsis where it was cut. */
export function previewOf(text: string, length = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
