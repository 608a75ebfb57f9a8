import { Link, useNavigate, useParams } from 'react-router';
import { type ComponentSummary, listComponents } from '../api/components.js';
import { type Column, DataTable } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { scalarText } from '../lib/mapping.js';
import { useApi } from '../lib/use-api.js';

/** The workspace's command components: each with its newest version and how many versions it has. */
export function ComponentsPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const components = useApi(() => listComponents(workspace), workspace);
  const pageOf = (summary: ComponentSummary) => `/w/${workspace}/components/${encodeURIComponent(summary.latest.name)}`;
  const columns: Column<ComponentSummary>[] = [
    { id: 'name', header: 'Component', render: (summary) => <Link to={pageOf(summary)}>{summary.latest.name}</Link> },
    { id: 'version', header: 'Latest version', render: (summary) => summary.latest.version ?? '' },
    { id: 'versions', header: 'Versions', numeric: true, render: (summary) => summary.versionCount },
    { id: 'display', header: 'Display name', render: (summary) => scalarText(summary.latest.spec.display_name) ?? '' },
    { id: 'description', header: 'Description', render: (summary) => summary.latest.description ?? '' },
    { id: 'by', header: 'Registered by', render: (summary) => summary.latest.createdBy },
    { id: 'at', header: 'Registered', render: (summary) => summary.latest.createdAt.replace('T', ' ').slice(0, 19) },
  ];
  return (
    <section>
      <h1>Components</h1>
      {components.error ? <ErrorNotice error={components.error} /> : null}
      {components.loading && !components.data ? <Loading what="components" /> : null}
      {components.data?.length === 0 ? (
        <EmptyState title="No components registered yet">
          <p>A command component is a reusable, versioned pipeline step: code, environment, command, and typed inputs and outputs.</p>
          <pre>{`# train.yml
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
type: command
name: train
version: 1
code: ./src
environment: azureml:trellis-python-sklearn@latest
command: python train.py --epochs \${{inputs.epochs}} --model \${{outputs.model}}
inputs:
  epochs: {type: integer, min: 1, max: 100, default: 10}
outputs:
  model: {type: uri_folder}`}</pre>
          <p>
            <code>trellis component create --file train.yml</code> — then a pipeline step runs it with{' '}
            <code>component: azureml:train:1</code>.
          </p>
        </EmptyState>
      ) : null}
      {components.data && components.data.length > 0 ? (
        <DataTable
          label="Components"
          columns={columns}
          rows={components.data}
          rowKey={(summary) => summary.latest.name}
          onOpen={(summary) => navigate(pageOf(summary))}
        />
      ) : null}
    </section>
  );
}
