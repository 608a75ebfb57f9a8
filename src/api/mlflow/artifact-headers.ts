import { extname, posix } from 'node:path';

/**
 * The headers MLflow's server sends with a downloaded artifact (mlflow/utils/mime_type_utils.py
 * and _response_with_file_attachment_headers in mlflow/server/handlers.py), so the MLflow UI
 * and clients see the same content types.
 */

/**
 * Extensions MLflow serves as text/plain, and the names of MLflow's files without one: MLmodel,
 * and the project file as MLflow 3 names it, "mlproject" (the name is compared as is, as MLflow does).
 */
const textExtensions = new Set([
  'txt',
  'log',
  'err',
  'cfg',
  'conf',
  'cnf',
  'cf',
  'ini',
  'properties',
  'prop',
  'hocon',
  'toml',
  'yaml',
  'yml',
  'xml',
  'json',
  'js',
  'py',
  'py3',
  'csv',
  'tsv',
  'md',
  'rst',
  'ipynb',
  'MLmodel',
  'mlproject',
]);

/** What Python's mimetypes answers for the files models and runs usually hold; anything else is binary. */
const otherTypes: Record<string, string> = {
  // MLflow sends these as text/html and image/svg+xml; as attachments they are not rendered either way,
  // but a type that can never run script in this origin is the safer answer for a shared server.
  '.html': 'text/plain',
  '.htm': 'text/plain',
  '.svg': 'text/plain',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ico': 'image/vnd.microsoft.icon',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.mp4': 'video/mp4',
};

/** The content type MLflow's server gives a file of this name. */
export function guessMimeType(path: string): string {
  const name = posix.basename(path);
  const extension = extname(name).replace('.', '');
  if (textExtensions.has(extension === '' ? name : extension)) return 'text/plain';
  return otherTypes[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Characters an HTTP token may hold (RFC 9110), so such a name needs no quotes. */
const token = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * `attachment; filename=...` as MLflow builds it (RFC 6266): a token as is, anything else
 * quoted, and a non-ASCII name as an ASCII fallback plus a percent-encoded `filename*`.
 */
export function contentDispositionAttachment(fileName: string): string {
  if (/^[\x20-\x7e]*$/.test(fileName)) return `attachment; filename=${quoteHeaderValue(fileName)}`;
  const fallback = fileName.normalize('NFKD').replace(/[^\x20-\x7e]/g, '') || 'download';
  return `attachment; filename=${quoteHeaderValue(fallback)}; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

function quoteHeaderValue(value: string): string {
  return token.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Percent-encodes all but RFC 5987's attr-char, as Python's quote(safe="!#$&+-.^_`|~") does. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value)
    .replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%(23|24|26|2B|5E|60|7C)/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
