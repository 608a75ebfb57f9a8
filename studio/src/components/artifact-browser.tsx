import { useState } from 'react';
import { artifactUrl, listArtifacts, type Run } from '../api/mlflow.js';
import { formatNumber } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';
import { ErrorNotice, Loading } from './notice.js';

const previewBytes = 256 * 1024;
const textLike =
  /\.(txt|log|md|json|jsonl|csv|tsv|yaml|yml|py|js|ts|sh|cfg|ini|toml|xml|html|MLmodel)$|(^|\/)(MLmodel|requirements\.txt|conda\.yaml)$/i;
const imageLike = /\.(png|jpe?g|gif|svg|webp)$/i;

/** A run's artifacts: folders to walk, and a preview of text, JSON, CSV and images. */
export function ArtifactBrowser({ workspace, run }: { workspace: string; run: Run }) {
  const [folder, setFolder] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const files = useApi(() => listArtifacts(workspace, run.info.run_id, folder), `${run.info.run_id}/${folder}`);
  const parent = folder.includes('/') ? folder.slice(0, folder.lastIndexOf('/')) : '';
  return (
    <div className="artifacts">
      <div className="artifact-list">
        <div className="muted">/{folder}</div>
        {folder ? (
          <button type="button" className="link" onClick={() => setFolder(parent)}>
            ..
          </button>
        ) : null}
        {files.loading && !files.data ? <Loading what="artifacts" /> : null}
        {files.error ? <ErrorNotice error={files.error} /> : null}
        {files.data?.length === 0 ? <p className="muted">No artifacts.</p> : null}
        <ul>
          {files.data?.map((file) => (
            <li key={file.path}>
              <button
                type="button"
                className={`link ${selected === file.path ? 'selected' : ''}`}
                onClick={() => (file.is_dir ? setFolder(file.path) : setSelected(file.path))}
              >
                {file.path.split('/').pop()}
                {file.is_dir ? '/' : ''}
              </button>
              {!file.is_dir && file.file_size !== undefined ? <span className="muted"> {formatNumber(file.file_size)} B</span> : null}
            </li>
          ))}
        </ul>
      </div>
      <div className="artifact-preview">
        {selected ? <Preview workspace={workspace} run={run} path={selected} /> : <p className="muted">Choose a file to preview it.</p>}
      </div>
    </div>
  );
}

function Preview({ workspace, run, path }: { workspace: string; run: Run; path: string }) {
  const url = artifactUrl(workspace, run, path);
  const text = useApi(async () => {
    if (!url || !textLike.test(path)) return undefined;
    const response = await fetch(url, { headers: { range: `bytes=0-${previewBytes - 1}` } });
    if (!response.ok && response.status !== 206) throw new Error(`the artifact could not be read (${response.status})`);
    return response.text();
  }, `${url}`);
  if (!url) return <p className="muted">This run's artifacts are stored at {run.info.artifact_uri}, which this server does not serve.</p>;
  return (
    <div>
      <div className="preview-head">
        <strong>{path}</strong> ·{' '}
        <a href={url} download>
          download
        </a>
      </div>
      {imageLike.test(path) ? <img src={url} alt={path} className="preview-image" /> : null}
      {text.error ? <ErrorNotice error={text.error} /> : null}
      {text.data !== undefined ? <TextPreview path={path} text={text.data} /> : null}
      {!imageLike.test(path) && !textLike.test(path) ? <p className="muted">No preview for this kind of file; download it.</p> : null}
    </div>
  );
}

function TextPreview({ path, text }: { path: string; text: string }) {
  if (/\.csv$/i.test(path)) {
    const rows = text
      .split(/\r?\n/)
      .filter(Boolean)
      .slice(0, 200)
      .map((line) => line.split(','));
    return (
      <table className="data-table compact">
        <tbody>
          {rows.map((row, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a preview's rows and cells never reorder: their position is their identity.
            <tr key={index}>{row.map((cell, column) => (index === 0 ? <th key={column}>{cell}</th> : <td key={column}>{cell}</td>))}</tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (/\.json$/i.test(path)) {
    try {
      return <pre className="preview-text">{JSON.stringify(JSON.parse(text), null, 2)}</pre>;
    } catch {
      // Not whole JSON (cut by the preview size, or not JSON at all): shown as text.
    }
  }
  return <pre className="preview-text">{text}</pre>;
}
