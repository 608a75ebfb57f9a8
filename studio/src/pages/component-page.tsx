import { Link, useNavigate, useParams } from 'react-router';
import { type Component, componentVersions } from '../api/components.js';
import { type Column, DataTable } from '../components/data-table.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { componentCode, componentEnvironment, componentInputs, componentOutputs, isDeterministic } from '../lib/component-spec.js';
import { mappingAt, scalarText, valueText } from '../lib/mapping.js';
import { useApi } from '../lib/use-api.js';

/**
 * A command component: its versions, and for the chosen one (the newest by default) what a step
 * running it gets — the inputs with their types, defaults and allowed values, the outputs, the
 * command, environment and code.
 */
export function ComponentPage() {
  const { workspace = 'default', name = '', version: chosen } = useParams();
  const navigate = useNavigate();
  const versions = useApi(() => componentVersions(workspace, name), `${workspace}/${name}`);
  const sorted = [...(versions.data ?? [])].sort(
    (a, b) => Number(b.version) - Number(a.version) || String(b.version).localeCompare(String(a.version)),
  );
  const current = sorted.find((item) => item.version === chosen) ?? sorted[0];
  const versionPage = (item: Component) =>
    `/w/${workspace}/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(item.version ?? '')}`;
  const columns: Column<Component>[] = [
    { id: 'version', header: 'Version', render: (item) => <Link to={versionPage(item)}>{item.version}</Link> },
    { id: 'display', header: 'Display name', render: (item) => scalarText(item.spec.display_name) ?? '' },
    {
      id: 'inputs',
      header: 'Inputs',
      render: (item) =>
        componentInputs(item.spec)
          .map((input) => input.name)
          .join(', '),
    },
    {
      id: 'outputs',
      header: 'Outputs',
      render: (item) =>
        componentOutputs(item.spec)
          .map((output) => output.name)
          .join(', '),
    },
    { id: 'by', header: 'Registered by', render: (item) => item.createdBy },
    { id: 'at', header: 'Registered', render: (item) => item.createdAt.replace('T', ' ').slice(0, 19) },
  ];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/components`}>Components</Link> / <span>{name}</span>
      </nav>
      <h1>{name}</h1>
      {versions.error ? (
        <ErrorNotice error={versions.error} action={<Link to={`/w/${workspace}/components`}>Back to the components</Link>} />
      ) : null}
      {versions.loading && !versions.data ? <Loading what="versions" /> : null}
      {versions.data && sorted.length === 0 ? <p className="muted">No versions of {name} in this workspace.</p> : null}
      {sorted.length > 0 ? (
        <DataTable
          label="Versions"
          columns={columns}
          rows={sorted}
          rowKey={(item) => String(item.version)}
          onOpen={(item) => navigate(versionPage(item))}
        />
      ) : null}
      {current ? <ComponentVersion component={current} /> : null}
    </section>
  );
}

function ComponentVersion({ component }: { component: Component }) {
  const { spec } = component;
  const code = componentCode(spec, component.status);
  const variables = Object.entries(mappingAt(spec, 'environment_variables'));
  const resources = Object.entries(mappingAt(spec, 'resources'));
  const distribution = Object.entries(mappingAt(spec, 'distribution'));
  return (
    <>
      <h2>
        Version {component.version} {scalarText(spec.display_name) ? <span className="muted">{scalarText(spec.display_name)}</span> : null}
      </h2>
      <dl className="facts" aria-label="Component">
        <dt>Type</dt>
        <dd>{scalarText(spec.type) ?? 'command'}</dd>
        {component.description ? (
          <>
            <dt>Description</dt>
            <dd>{component.description}</dd>
          </>
        ) : null}
        <dt>Command</dt>
        <dd>
          <pre className="command">{scalarText(spec.command) ?? ''}</pre>
        </dd>
        <dt>Environment</dt>
        <dd>
          <code>{componentEnvironment(spec)}</code>
        </dd>
        <dt>Code</dt>
        <dd>
          {code ? (
            <>
              <code title={code.address}>{code.address.replace(/(sha256:[0-9a-f]{12})[0-9a-f]+/, '$1…')}</code>
              {code.uploadedFrom ? <span className="muted"> uploaded from {code.uploadedFrom}</span> : null}
            </>
          ) : (
            <span className="muted">none (the command alone)</span>
          )}
        </dd>
        <dt>Reusable runs</dt>
        <dd>
          {isDeterministic(spec)
            ? 'yes (deterministic: an unchanged step reuses an earlier run)'
            : 'no (is_deterministic: false: every run runs)'}
        </dd>
        {variables.length > 0 ? <Entries title="Environment variables" entries={variables} /> : null}
        {resources.length > 0 ? <Entries title="Resources" entries={resources} /> : null}
        {distribution.length > 0 ? <Entries title="Distribution" entries={distribution} /> : null}
        <dt>In a pipeline</dt>
        <dd>
          <code>{`component: azureml:${component.name}:${component.version}`}</code>
        </dd>
      </dl>
      <h2>Inputs</h2>
      <InputsTable component={component} />
      <h2>Outputs</h2>
      <OutputsTable component={component} />
    </>
  );
}

function Entries({ title, entries }: { title: string; entries: Array<[string, unknown]> }) {
  return (
    <>
      <dt>{title}</dt>
      <dd>
        <ul className="plain">
          {entries.map(([key, value]) => (
            <li key={key}>
              <code>{key}</code>: {valueText(value)}
            </li>
          ))}
        </ul>
      </dd>
    </>
  );
}

function InputsTable({ component }: { component: Component }) {
  const inputs = componentInputs(component.spec);
  if (inputs.length === 0) return <p className="muted">None: the component takes no inputs.</p>;
  return (
    <table className="data-table compact" aria-label="Inputs">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Default</th>
          <th>Optional</th>
          <th>Min</th>
          <th>Max</th>
          <th>Allowed values</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {inputs.map((input) => (
          <tr key={input.name}>
            <td>
              <code>{input.name}</code>
            </td>
            <td>
              {input.type}
              {input.mode ? <span className="muted"> ({input.mode})</span> : null}
            </td>
            <td>{input.default ?? ''}</td>
            <td>{input.isOptional ? 'optional' : input.default === undefined ? 'required' : ''}</td>
            <td>{input.min ?? ''}</td>
            <td>{input.max ?? ''}</td>
            <td>{input.enum?.join(', ') ?? ''}</td>
            <td>{input.description ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OutputsTable({ component }: { component: Component }) {
  const outputs = componentOutputs(component.spec);
  if (outputs.length === 0) return <p className="muted">None: the component declares no outputs.</p>;
  return (
    <table className="data-table compact" aria-label="Outputs">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Mode</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {outputs.map((output) => (
          <tr key={output.name}>
            <td>
              <code>{output.name}</code>
            </td>
            <td>{output.type}</td>
            <td>{output.mode ?? ''}</td>
            <td>{output.description ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
