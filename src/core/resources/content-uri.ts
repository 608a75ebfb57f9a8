/**
 * Where uploaded bytes live, said in the spec: a file is `trellis://content/sha256:<hex>/<file name>`
 * (the name matters to jobs that read it), a folder is `trellis://folders/sha256:<manifest hex>`.
 * Both depend only on content, so the same bytes from anywhere give the same spec.
 */
export type ContentUri =
  | { type: 'file'; digest: string; fileName: string }
  | { type: 'folder'; digest: string };

export function formatContentUri(content: ContentUri): string {
  return content.type === 'file'
    ? `trellis://content/${content.digest}/${encodeURIComponent(content.fileName)}`
    : `trellis://folders/${content.digest}`;
}

export function parseContentUri(uri: string): ContentUri | undefined {
  const file = /^trellis:\/\/content\/(sha256:[0-9a-f]{64})\/([^/]+)$/.exec(uri);
  if (file?.[1] && file[2]) return { type: 'file', digest: file[1], fileName: decodeURIComponent(file[2]) };
  const folder = /^trellis:\/\/folders\/(sha256:[0-9a-f]{64})$/.exec(uri);
  if (folder?.[1]) return { type: 'folder', digest: folder[1] };
  return undefined;
}
