import { Link } from 'react-router';
import { schedulePagePath, scheduleOfJob } from '../api/schedules.js';
import { formatTime } from '../lib/format.js';

/** For a job or pipeline a schedule created (its `trellis.schedule` tags): which schedule, which firing, linked. As facts of a <dl>. */
export function ScheduleOrigin({ workspace, tags }: { workspace: string; tags: Record<string, string> }) {
  const origin = scheduleOfJob(tags);
  if (!origin) return null;
  const slot = Date.parse(origin.slot);
  return (
    <>
      <dt>Schedule</dt>
      <dd>
        created by schedule <Link to={schedulePagePath(workspace, origin.schedule)}>{origin.schedule}</Link>
        <span className="muted">
          {' '}
          ({origin.kind || 'a'} firing{Number.isNaN(slot) ? '' : `, ${origin.kind === 'manual' ? 'asked for' : 'slot'} ${formatTime(slot)}`}
          )
        </span>
      </dd>
    </>
  );
}
