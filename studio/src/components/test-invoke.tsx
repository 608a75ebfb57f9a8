import { useState } from 'react';
import { endpointCredential, invokeEndpoint, type Invocation } from '../api/endpoints.js';
import { ErrorNotice } from './notice.js';

const example = JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] });

/**
 * Sends a request to the endpoint as a caller would: with the endpoint's key (or a fresh token) in
 * the Authorization header, to the deployment the split picks or to the one chosen here.
 */
export function TestInvoke({ workspace, endpoint, deployments }: { workspace: string; endpoint: string; deployments: string[] }) {
  const [body, setBody] = useState(example);
  const [target, setTarget] = useState('');
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<Invocation | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();
  let problem: string | undefined;
  try {
    JSON.parse(body);
  } catch (error) {
    problem = `not JSON: ${(error as Error).message}`;
  }

  const send = async () => {
    setSending(true);
    setFailure(undefined);
    try {
      // Asked for each time: a token expires, a key may have been regenerated.
      const credential = await endpointCredential(workspace, endpoint);
      setAnswer(await invokeEndpoint(workspace, endpoint, credential, body, target || undefined));
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      className="test-invoke"
      aria-label="Test the endpoint"
      onSubmit={(event) => {
        event.preventDefault();
        if (!problem) void send();
      }}
    >
      <label>
        <span>Request body (JSON)</span>
        <textarea aria-label="Request body" value={body} rows={6} spellCheck={false} onChange={(event) => setBody(event.target.value)} />
      </label>
      {problem ? <p className="inline-error">{problem}</p> : null}
      <div className="toolbar">
        <label>
          Deployment{' '}
          <select aria-label="Target deployment" value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">by the traffic split</option>
            {deployments.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={sending || problem !== undefined}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
      {failure ? <ErrorNotice error={failure} /> : null}
      {answer ? (
        <div className="invoke-answer" data-status={answer.status}>
          <dl className="facts">
            <dt>Status</dt>
            <dd className={answer.status < 400 ? 'ok' : 'bad'}>{answer.status}</dd>
            <dt>Deployment</dt>
            <dd data-testid="answered-by">{answer.deployment ?? '—'}</dd>
            <dt>Model</dt>
            <dd>{answer.model ?? '—'}</dd>
            <dt>Time</dt>
            <dd>{answer.elapsedMs.toFixed(1)} ms</dd>
          </dl>
          <section aria-label="Response body">
            <pre className="preview-text">{pretty(answer.body)}</pre>
          </section>
        </div>
      ) : null}
    </form>
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
