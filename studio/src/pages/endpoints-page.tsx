import { Link, useNavigate, useParams } from 'react-router';
import { listDeployments, listEndpoints, type OnlineEndpoint } from '../api/endpoints.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { describeSplit } from '../lib/traffic-split.js';
import { useApi } from '../lib/use-api.js';

type Row = OnlineEndpoint & { deploymentCount: number };

/** Every online endpoint of the workspace: how it is called, where its traffic goes. */
export function EndpointsPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const endpoints = useApi(async () => {
    const found = await listEndpoints(workspace);
    return Promise.all(
      found.map(async (endpoint) => ({ ...endpoint, deploymentCount: (await listDeployments(workspace, endpoint.name)).length })),
    );
  }, workspace);
  const href = (endpoint: Row) => `/w/${workspace}/endpoints/${encodeURIComponent(endpoint.name)}`;
  const columns: Column<Row>[] = [
    { id: 'name', header: 'Name', render: (item) => <Link to={href(item)}>{item.name}</Link> },
    { id: 'auth', header: 'Auth', render: (item) => item.authMode },
    { id: 'traffic', header: 'Traffic', render: (item) => describeSplit(item.traffic) },
    { id: 'deployments', header: 'Deployments', numeric: true, render: (item) => item.deploymentCount },
    { id: 'state', header: 'State', render: (item) => <StatusBadge status={item.state} /> },
  ];
  return (
    <section>
      <h1>Endpoints</h1>
      {endpoints.error ? (
        <ErrorNotice
          error={endpoints.error}
          action={
            <button type="button" onClick={endpoints.reload}>
              Try again
            </button>
          }
        />
      ) : null}
      {endpoints.loading && !endpoints.data ? <Loading what="endpoints" /> : null}
      {endpoints.data && endpoints.data.length === 0 ? (
        <EmptyState title="No online endpoints yet">
          <p>
            An online endpoint answers scoring requests over HTTP; its deployments serve the models. Create one, then a first deployment
            that takes all its traffic:
          </p>
          <pre>{`trellis online-endpoint create --file endpoint.yml${workspace === 'default' ? '' : ` -w ${workspace}`}
trellis online-deployment create --file blue.yml --all-traffic${workspace === 'default' ? '' : ` -w ${workspace}`}`}</pre>
        </EmptyState>
      ) : null}
      {endpoints.data && endpoints.data.length > 0 ? (
        <DataTable
          label="Endpoints"
          columns={columns}
          rows={endpoints.data}
          rowKey={(item) => item.name}
          onOpen={(item) => navigate(href(item))}
        />
      ) : null}
    </section>
  );
}
