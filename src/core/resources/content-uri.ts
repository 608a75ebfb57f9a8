/**
 * Where uploaded bytes live, said in the spec: a file is `trellis://content/sha256:<hex>/<file name>`
 * (the name matters to jobs that read it), a folder is `trellis://folders/sha256:<manifest hex>`.
 * Both depend only on content, so the same bytes from anywhere give the same spec. A model's
 * folder also keeps its own name (`trellis://folders/sha256:<hex>/<name>`): Azure ML lays a model
 * out under AZUREML_MODEL_DIR by that name (`$AZUREML_MODEL_DIR/model/...` for a model made from
 * `path: ./model`), and scoring scripts are written against it.
 */
export type ContentUri =
  | { type: 'file'; digest: string; fileName: string }
  | { type: 'folder'; digest: string; folderName?: string | undefined };

export function formatContentUri(content: ContentUri): string {
  if (content.type === 'file') return `trellis://content/${content.digest}/${encodeURIComponent(content.fileName)}`;
  return `trellis://folders/${content.digest}${content.folderName ? `/${encodeURIComponent(content.folderName)}` : ''}`;
}

export function parseContentUri(uri: string): ContentUri | undefined {
  const file = /^trellis:\/\/content\/(sha256:[0-9a-f]{64})\/([^/]+)$/.exec(uri);
  if (file?.[1] && file[2]) return { type: 'file', digest: file[1], fileName: decodeURIComponent(file[2]) };
  const folder = /^trellis:\/\/folders\/(sha256:[0-9a-f]{64})(?:\/([^/]+))?$/.exec(uri);
  if (folder?.[1])
    return folder[2]
      ? { type: 'folder', digest: folder[1], folderName: decodeURIComponent(folder[2]) }
      : { type: 'folder', digest: folder[1] };
  return undefined;
}

/**
 * The name a model folder goes by under AZUREML_MODEL_DIR, from the local path it was uploaded
 * from (`../../model-1/model/` → `model`); `fallback` (the client's own resolved folder name) when
 * the path has none to give (`.`, `..`).
 */
export function folderNameOf(localPath: string, fallback?: string): string | undefined {
  const last = localPath
    .replace(/^file:/, '')
    .split(/[\\/]+/)
    .filter((part) => part !== '')
    .pop();
  if (last !== undefined && last !== '.' && last !== '..') return last;
  return fallback && fallback !== '.' && fallback !== '..' && !/[\\/]/.test(fallback) ? fallback : undefined;
}
