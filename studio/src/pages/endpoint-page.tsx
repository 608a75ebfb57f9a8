import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { deploymentLogs, getEndpoint, listDeployments, type OnlineDeployment, type OnlineEndpoint } from '../api/endpoints.js';
import { DataTable, type Column } from '../components/data-table.js';
import { DeploymentProfiles } from '../components/deployment-profiles.js';
import { EndpointMonitors } from '../components/endpoint-monitors.js';
import { LiveCharts } from '../components/live-charts.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { TestInvoke } from '../components/test-invoke.js';
import { TrafficEditor } from '../components/traffic-editor.js';
import { formatTime } from '../lib/format.js';
import { describeSplit } from '../lib/traffic-split.js';
import { useApi } from '../lib/use-api.js';

/** Deployments are read again this often, so states and instance counts follow the server. */
const refreshMs = 5000;

/** One online endpoint: its deployments, the traffic split (editable), the monitors watching it, live charts, a test request. */
export function EndpointPage() {
  const { workspace = 'default', name = '' } = useParams();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setGeneration((value) => value + 1), refreshMs);
    return () => clearInterval(timer);
  }, []);
  const endpoint = useApi(() => getEndpoint(workspace, name), `${workspace}/${name}`);
  const deployments = useApi(() => listDeployments(workspace, name), `${workspace}/${name}/${generation}`);
  if (endpoint.error)
    return <ErrorNotice error={endpoint.error} action={<Link to={`/w/${workspace}/endpoints`}>Back to the endpoints</Link>} />;
  if (!endpoint.data) return <Loading what="the endpoint" />;
  return (
    <EndpointView
      endpoint={endpoint.data}
      deployments={deployments.data}
      deploymentsError={deployments.error}
      onChanged={endpoint.reload}
    />
  );
}

function EndpointView({
  endpoint,
  deployments,
  deploymentsError,
  onChanged,
}: {
  endpoint: OnlineEndpoint;
  deployments: OnlineDeployment[] | undefined;
  deploymentsError: Error | undefined;
  onChanged: () => void;
}) {
  const { workspace, name } = endpoint;
  const [logsOf, setLogsOf] = useState<string | undefined>();
  const names = (deployments ?? []).map((deployment) => deployment.name);
  const columns: Column<OnlineDeployment>[] = [
    { id: 'name', header: 'Deployment', render: (item) => <strong>{item.name}</strong> },
    { id: 'state', header: 'State', render: (item) => <StatusBadge status={item.state} /> },
    { id: 'reason', header: 'Reason', render: (item) => item.reason ?? '' },
    { id: 'traffic', header: 'Traffic', numeric: true, render: (item) => `${endpoint.traffic[item.name] ?? 0}%` },
    {
      id: 'instances',
      header: 'Instances (ready/wanted)',
      numeric: true,
      render: (item) => `${item.readyInstances}/${item.instanceCount}`,
    },
    {
      id: 'model',
      header: 'Model',
      render: (item) => (item.lineage.model ? <code>{`${item.lineage.model.name}:${item.lineage.model.version}`}</code> : '—'),
    },
    {
      id: 'environment',
      header: 'Environment',
      render: (item) =>
        item.lineage.environment ? (
          <code>{`${item.lineage.environment.name}${item.lineage.environment.version ? `:${item.lineage.environment.version}` : ''}`}</code>
        ) : (
          '—'
        ),
    },
    { id: 'deployed', header: 'Deployed', render: (item) => `${item.lineage.deployedBy} · ${formatTime(item.lineage.deployedAt)}` },
  ];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/endpoints`}>Endpoints</Link> / <span>{name}</span>
      </nav>
      <h1>
        {name} <StatusBadge status={endpoint.state} />
      </h1>
      <dl className="facts">
        <dt>Scoring URI</dt>
        <dd>
          <code>{endpoint.scoringUri}</code>
        </dd>
        <dt>Auth</dt>
        <dd>
          {endpoint.authMode} <span className="muted">(trellis online-endpoint get-credentials --name {name})</span>
        </dd>
        <dt>Traffic</dt>
        <dd data-testid="traffic-now">{describeSplit(endpoint.traffic)}</dd>
        {endpoint.description ? (
          <>
            <dt>Description</dt>
            <dd>{endpoint.description}</dd>
          </>
        ) : null}
      </dl>

      <h2>Deployments</h2>
      {deploymentsError && !deployments ? <ErrorNotice error={deploymentsError} /> : null}
      {!deployments && !deploymentsError ? <Loading what="deployments" /> : null}
      {deployments && deployments.length === 0 ? (
        <p className="muted">
          No deployments yet: <code>trellis online-deployment create --file blue.yml --all-traffic</code>
        </p>
      ) : null}
      {deployments && deployments.length > 0 ? (
        <DataTable
          label="Deployments"
          columns={columns}
          rows={deployments}
          rowKey={(item) => item.name}
          onOpen={(item) => setLogsOf(item.name)}
        />
      ) : null}
      {logsOf ? (
        <DeploymentLogs workspace={workspace} endpoint={name} deployment={logsOf} onClose={() => setLogsOf(undefined)} />
      ) : deployments && deployments.length > 0 ? (
        <p className="muted">Open a deployment (click, or Enter) to read its logs.</p>
      ) : null}

      <h2>Traffic</h2>
      {deployments && deployments.length > 0 ? (
        <TrafficEditor key={endpoint.etag} endpoint={endpoint} deployments={names} onApplied={onChanged} />
      ) : null}

      <h2>Profiles</h2>
      {deployments && deployments.length > 0 ? <DeploymentProfiles workspace={workspace} endpoint={name} deployments={names} /> : null}

      <h2>Monitors</h2>
      <EndpointMonitors workspace={workspace} endpoint={name} />

      <h2>Live</h2>
      <LiveCharts workspace={workspace} endpoint={name} />

      <h2>Test</h2>
      <TestInvoke workspace={workspace} endpoint={name} deployments={names} />
    </section>
  );
}

function DeploymentLogs({
  workspace,
  endpoint,
  deployment,
  onClose,
}: {
  workspace: string;
  endpoint: string;
  deployment: string;
  onClose: () => void;
}) {
  const logs = useApi(() => deploymentLogs(workspace, endpoint, deployment, 200), `${workspace}/${endpoint}/${deployment}`);
  return (
    <div className="deployment-logs">
      <div className="preview-head">
        <strong>Logs of {deployment}</strong> (last 200 lines) ·{' '}
        <button type="button" className="link" onClick={logs.reload}>
          refresh
        </button>{' '}
        ·{' '}
        <button type="button" className="link" onClick={onClose}>
          close
        </button>
      </div>
      {logs.error ? <ErrorNotice error={logs.error} /> : null}
      {logs.loading && logs.data === undefined ? <Loading what="logs" /> : null}
      {logs.data !== undefined ? <pre className="preview-text">{logs.data}</pre> : null}
    </div>
  );
}
