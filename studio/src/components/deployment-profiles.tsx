import { type DeploymentProfile, latestProfiles } from '../api/endpoints.js';
import { formatTime } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';
import { DataTable, type Column } from './data-table.js';
import { MetricChart } from './metric-chart.js';
import { ErrorNotice, Loading } from './notice.js';

type Step = DeploymentProfile['steps'][number];

const stepColumns: Column<Step>[] = [
  { id: 'concurrency', header: 'Concurrency', render: (step) => step.concurrency, numeric: true },
  { id: 'rps', header: 'Requests/s', render: (step) => step.throughputRps, numeric: true },
  { id: 'p50', header: 'p50 ms', render: (step) => step.latencyMs?.p50 ?? '–', numeric: true },
  { id: 'p95', header: 'p95 ms', render: (step) => step.latencyMs?.p95 ?? '–', numeric: true },
  { id: 'p99', header: 'p99 ms', render: (step) => step.latencyMs?.p99 ?? '–', numeric: true },
  { id: 'errors', header: 'Errors', render: (step) => `${step.errors}/${step.requests}`, numeric: true },
  { id: 'cpu', header: 'CPU cores/instance', render: (step) => step.cpuCoresPerInstance ?? '–', numeric: true },
  { id: 'memory', header: 'Memory MiB/instance', render: (step) => step.peakMemoryMiBPerInstance ?? '–', numeric: true },
];

/** The latest profile of each deployment: its steps, latency against concurrency, and the recommended sizing with why. */
export function DeploymentProfiles({ workspace, endpoint, deployments }: { workspace: string; endpoint: string; deployments: string[] }) {
  const profiles = useApi(() => latestProfiles(workspace, endpoint, deployments), `${workspace}/${endpoint}/${deployments.join(',')}`);
  if (profiles.error) return <ErrorNotice error={profiles.error} />;
  if (!profiles.data) return <Loading what="profiles" />;
  if (profiles.data.length === 0)
    return (
      <p className="muted">
        No profiles yet:{' '}
        <code>
          trellis online-deployment profile --name {deployments[0] ?? 'blue'} --endpoint-name {endpoint} --request-file req.json
          --target-latency-ms 200 --target-rps 50
        </code>
      </p>
    );
  return (
    <>
      {profiles.data.map((profile) => (
        <ProfileView key={profile.id} profile={profile} />
      ))}
    </>
  );
}

function ProfileView({ profile }: { profile: DeploymentProfile }) {
  const { settings, recommendation } = profile;
  const answered = profile.steps.filter((step) => step.latencyMs !== null);
  const xs = answered.map((step) => step.concurrency);
  const series = (['p50', 'p95', 'p99'] as const).map((key) => ({
    label: key,
    xs,
    ys: answered.map((step) => step.latencyMs?.[key] ?? Number.NaN),
  }));
  return (
    <div className="deployment-profile" data-testid={`profile-${profile.deployment}`}>
      <h3>
        {profile.deployment}: {profile.state} · {formatTime(profile.startedAt)}
      </h3>
      <p className="muted">
        Target p95 ≤ {settings.targetLatencyMs} ms{settings.targetRps === null ? '' : ` at ${settings.targetRps} requests/s`}; measured on{' '}
        {profile.instances} instance(s) of {profile.instanceType ?? '(no instance type)'}, {settings.durationSeconds} s per step.
      </p>
      {profile.error ? <p className="error">{profile.error}</p> : null}
      <DataTable
        label={`Profile of ${profile.deployment}`}
        columns={stepColumns}
        rows={profile.steps}
        rowKey={(step) => String(step.concurrency)}
        onOpen={() => {}}
      />
      {answered.length > 0 ? (
        <MetricChart
          title="Latency (ms) against concurrency"
          series={series}
          xLabel="concurrency"
          isTime={false}
          logScale={false}
          height={200}
        />
      ) : null}
      {recommendation ? (
        <div className="recommendation">
          <strong>
            {recommendation.isTargetMet
              ? `Recommended: ${recommendation.instanceType ?? 'the current instance type'} × ${recommendation.instanceCount}${recommendation.costPerHour === null ? '' : ` ($${recommendation.costPerHour}/h)`}, or target_utilization ${recommendation.scaleSettings?.min_instances}–${recommendation.scaleSettings?.max_instances} at ${recommendation.scaleSettings?.target_utilization_percentage}%`
              : 'The target cannot be met on this deployment'}
          </strong>
          <ul>
            {recommendation.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
