import { useState } from 'react';
import { type Schedule, type ScheduleFiring, setScheduleEnabled, triggerSchedule } from '../api/schedules.js';
import { ErrorNotice } from './notice.js';

/**
 * Disable or enable a schedule in one click (the server answers when it fires next), and fire it
 * now in two steps, the second saying what will happen; then what the server answers.
 */
export function ScheduleActions({
  schedule,
  onChanged,
  onFired,
}: {
  schedule: Schedule;
  onChanged: (schedule: Schedule) => void;
  onFired: (firing: ScheduleFiring) => void;
}) {
  const [isConfirming, setConfirming] = useState(false);
  const [isSending, setSending] = useState(false);
  const [error, setError] = useState<Error>();
  const send = async (action: () => Promise<void>) => {
    setSending(true);
    setError(undefined);
    try {
      await action();
      setConfirming(false);
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setSending(false);
    }
  };
  const toggle = () => send(async () => onChanged(await setScheduleEnabled(schedule.workspace, schedule.name, !schedule.enabled)));
  const fire = () => send(async () => onFired(await triggerSchedule(schedule.workspace, schedule.name)));
  return (
    <div className="cancel-job">
      {isConfirming ? (
        <fieldset className="confirm" aria-label="Confirm trigger">
          <span>
            Fire <strong>{schedule.displayName || schedule.name}</strong> now? Its {schedule.template.type} job is submitted once, as you,
            outside its slots; its next firings stay as they are.
          </span>
          <button type="button" disabled={isSending} onClick={fire}>
            Yes, trigger it
          </button>
          <button type="button" disabled={isSending} onClick={() => setConfirming(false)}>
            Not now
          </button>
        </fieldset>
      ) : (
        <div className="toolbar">
          <button type="button" disabled={isSending} onClick={toggle}>
            {schedule.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" disabled={isSending} onClick={() => setConfirming(true)}>
            Trigger now
          </button>
        </div>
      )}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
