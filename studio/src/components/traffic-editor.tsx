import { useState } from 'react';
import { setTraffic, type OnlineEndpoint } from '../api/endpoints.js';
import { checkSplit, splitChanges, type SplitChange } from '../lib/traffic-split.js';
import { ErrorNotice } from './notice.js';

/**
 * The live traffic split, editable: one percent per deployment, checked as typed (100 in all, or
 * all 0), then a confirmation showing old → new before anything is sent. The server has the last
 * word; its refusal is shown as it says it.
 */
export function TrafficEditor({
  endpoint,
  deployments,
  onApplied,
}: {
  endpoint: OnlineEndpoint;
  deployments: string[];
  onApplied: () => void;
}) {
  const current = Object.fromEntries(deployments.map((name) => [name, endpoint.traffic[name] ?? 0]));
  const [typed, setTyped] = useState<Record<string, string> | undefined>();
  const [pending, setPending] = useState<{ traffic: Record<string, number>; changes: SplitChange[] } | undefined>();
  const [applying, setApplying] = useState(false);
  const [refusal, setRefusal] = useState<Error | undefined>();
  const values = typed ?? Object.fromEntries(Object.entries(current).map(([name, percent]) => [name, String(percent)]));
  const check = checkSplit(values);
  const changes = check.ok ? splitChanges(current, check.traffic) : [];
  const mirrors = Object.entries(endpoint.mirrorTraffic).filter(([, percent]) => percent > 0);

  const apply = async () => {
    if (!pending) return;
    setApplying(true);
    setRefusal(undefined);
    try {
      await setTraffic(endpoint.workspace, endpoint.name, pending.traffic);
      setPending(undefined);
      setTyped(undefined);
      onApplied();
    } catch (error) {
      setRefusal(error as Error);
    } finally {
      setApplying(false);
    }
  };

  return (
    <div className="traffic-editor">
      <form
        aria-label="Traffic split"
        onSubmit={(event) => {
          event.preventDefault();
          if (check.ok && changes.length > 0) setPending({ traffic: check.traffic, changes });
        }}
      >
        {deployments.map((name) => (
          <label key={name} className="traffic-weight">
            <span>{name}</span>
            <input
              type="number"
              min={0}
              max={100}
              step={1}
              aria-label={`Traffic to ${name} (%)`}
              value={values[name] ?? '0'}
              disabled={pending !== undefined}
              onChange={(event) => {
                setTyped({ ...values, [name]: event.target.value });
                setRefusal(undefined);
              }}
            />
            %
          </label>
        ))}
        {pending === undefined ? (
          <button type="submit" disabled={!check.ok || changes.length === 0}>
            Review change
          </button>
        ) : null}
        {typed !== undefined && pending === undefined ? (
          <button type="button" className="link" onClick={() => setTyped(undefined)}>
            Reset
          </button>
        ) : null}
      </form>
      {!check.ok ? (
        <p className="inline-error" role="status" data-testid="traffic-error">
          {check.problem}
        </p>
      ) : null}
      {pending ? (
        <div className="confirm" role="dialog" aria-label="Confirm the traffic change">
          <p>
            <strong>Apply this split to {endpoint.name}?</strong> Requests sent after it applies follow the new split.
          </p>
          <ul>
            {pending.changes.map((change) => (
              <li key={change.deployment}>
                {change.deployment}: {change.from}% → {change.to}%
              </li>
            ))}
          </ul>
          <button type="button" className="primary" disabled={applying} onClick={() => void apply()}>
            {applying ? 'Applying…' : 'Apply'}
          </button>
          <button type="button" disabled={applying} onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
      {refusal ? <ErrorNotice error={refusal} /> : null}
      <p className="muted">
        Mirror traffic:{' '}
        {mirrors.length === 0 ? 'none' : mirrors.map(([name, percent]) => `${percent}% copied to ${name} (answers discarded)`).join('; ')}
      </p>
    </div>
  );
}
