import { Link } from 'react-router';
import type { Monitor } from '../api/monitors.js';

/** The endpoint and deployment a monitor watches (the endpoint linked), or that it reads data assets only. */
export function Watched({ workspace, monitor }: { workspace: string; monitor: Monitor }) {
  if (!monitor.endpoint) return <span className="muted">data assets only</span>;
  return (
    <>
      <Link to={`/w/${workspace}/endpoints/${encodeURIComponent(monitor.endpoint)}`}>{monitor.endpoint}</Link>
      {monitor.deployment ? ` / ${monitor.deployment}` : ''}
    </>
  );
}
