import { Link, useNavigate, useParams } from 'react-router';
import { getJob, type Job } from '../api/jobs.js';
import { aliasesOf, deploymentsServing, lineageOf, modelVersions, type Asset, type Serving } from '../api/models.js';
import { DataTable, type Column } from '../components/data-table.js';
import { LineageGraph, type LineageNode } from '../components/lineage-graph.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { useApi } from '../lib/use-api.js';

/**
 * A registered model: its versions with their aliases, and for the chosen version (the newest by
 * default) its lineage — back to the job, code snapshot, data versions and environment that made
 * it, forward to the endpoints that serve it.
 */
export function ModelPage() {
  const { workspace = 'default', name = '', version: chosen } = useParams();
  const navigate = useNavigate();
  const versions = useApi(() => modelVersions(workspace, name), `${workspace}/${name}`);
  const aliases = useApi(() => aliasesOf(workspace, name), `${workspace}/${name}/aliases`);
  const sorted = [...(versions.data ?? [])].sort(
    (a, b) => Number(b.version) - Number(a.version) || String(b.version).localeCompare(String(a.version)),
  );
  const current = sorted.find((item) => item.version === chosen) ?? sorted[0];
  const aliasNames = (version: string | null) =>
    (aliases.data ?? [])
      .filter((alias) => alias.version === version)
      .map((alias) => `@${alias.alias}`)
      .join(' ');
  const columns: Column<Asset>[] = [
    {
      id: 'version',
      header: 'Version',
      render: (item) => <Link to={`/w/${workspace}/models/${encodeURIComponent(name)}/versions/${item.version}`}>{item.version}</Link>,
    },
    { id: 'aliases', header: 'Aliases', render: (item) => aliasNames(item.version) },
    {
      id: 'stage',
      header: 'Stage',
      render: (item) => String((item.status.mlflow as { current_stage?: string } | undefined)?.current_stage ?? ''),
    },
    {
      id: 'run',
      header: 'Run',
      render: (item) =>
        lineageOf(item).run ? (
          <Link to={`/w/${workspace}/runs/${lineageOf(item).run!.id}`}>{lineageOf(item).run!.name ?? lineageOf(item).run!.id}</Link>
        ) : (
          ''
        ),
    },
    { id: 'by', header: 'Registered by', render: (item) => item.createdBy },
    { id: 'at', header: 'Registered', render: (item) => item.createdAt.replace('T', ' ').slice(0, 19) },
  ];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/models`}>Models</Link> / <span>{name}</span>
      </nav>
      <h1>{name}</h1>
      {versions.error ? <ErrorNotice error={versions.error} /> : null}
      {aliases.error ? <ErrorNotice error={aliases.error} /> : null}
      {(versions.loading && !versions.data) || (aliases.loading && !aliases.data) ? <Loading what="versions" /> : null}
      {/* The table waits for the aliases too, so a version never shows first without the alias it has. */}
      {sorted.length > 0 && (aliases.data || aliases.error) ? (
        <DataTable
          label="Versions"
          columns={columns}
          rows={sorted}
          rowKey={(item) => String(item.version)}
          onOpen={(item) => navigate(`/w/${workspace}/models/${encodeURIComponent(name)}/versions/${item.version}`)}
        />
      ) : null}
      {current ? <VersionLineage workspace={workspace} model={current} aliases={aliasNames(current.version)} /> : null}
    </section>
  );
}

function VersionLineage({ workspace, model, aliases }: { workspace: string; model: Asset; aliases: string }) {
  const lineage = lineageOf(model);
  const version = model.version ?? '';
  const job = useApi(async () => (lineage.job ? getJob(workspace, lineage.job) : undefined), `${workspace}/${lineage.job ?? ''}`);
  const serving = useApi(() => deploymentsServing(workspace, model.name, version), `${workspace}/${model.name}/${version}/serving`);
  const graph = buildGraph(workspace, model, job.data, serving.data ?? []);
  return (
    <>
      <h2>
        Version {version} {aliases ? <span className="muted">{aliases}</span> : null}
      </h2>
      <dl className="facts">
        <dt>Source</dt>
        <dd>
          <code>{String(model.spec.path ?? lineage.source ?? '')}</code>
        </dd>
        {lineage.loggedModel ? (
          <>
            <dt>Logged model</dt>
            <dd>
              <code>{lineage.loggedModel}</code>
            </dd>
          </>
        ) : null}
        <dt>Served by</dt>
        <dd>
          {serving.data?.length
            ? serving.data.map((item) => (
                <span key={`${item.kind}/${item.endpoint}/${item.deployment}`} className="served">
                  {item.kind} endpoint {item.endpoint} / {item.deployment} <StatusBadge status={item.state} />
                </span>
              ))
            : serving.loading
              ? '…'
              : 'no deployment'}
        </dd>
      </dl>
      {job.error ? <ErrorNotice error={job.error} /> : null}
      <LineageGraph columns={graph.columns} edges={graph.edges} />
    </>
  );
}

/** Inputs, code and environment → job → run → this version → deployments. */
function buildGraph(
  workspace: string,
  model: Asset,
  job: Job | undefined,
  serving: Serving[],
): { columns: LineageNode[][]; edges: Array<[string, string]> } {
  const lineage = lineageOf(model);
  const sources: LineageNode[] = [];
  const edges: Array<[string, string]> = [];
  if (job) {
    for (const [name, input] of Object.entries(job.lineage.inputs)) {
      if ('asset' in input)
        sources.push({ id: `input:${name}`, kind: 'data', title: `${input.asset.name}:${input.asset.version}`, subtitle: name });
      else if ('uri' in input) sources.push({ id: `input:${name}`, kind: 'data', title: input.uri, subtitle: name });
    }
    if (job.lineage.code)
      sources.push({
        id: 'code',
        kind: 'code',
        title: `${job.lineage.code.name}:${job.lineage.code.version}`,
        subtitle: job.lineage.code.digest.slice(7, 15),
      });
    const environment = job.lineage.environment;
    sources.push({
      id: 'environment',
      kind: 'environment',
      title: 'inline' in environment ? `inline ${environment.digest.slice(7, 15)}` : `${environment.name}:${environment.version}`,
      subtitle: 'inline' in environment ? undefined : environment.curated ? 'curated' : undefined,
    });
    for (const source of sources) edges.push([source.id, 'job']);
  }
  const makers: LineageNode[] = job
    ? [{ id: 'job', kind: 'job', title: job.name, subtitle: job.state, to: `/w/${workspace}/jobs/${job.name}` }]
    : [];
  const runs: LineageNode[] = lineage.run
    ? [{ id: 'run', kind: 'run', title: lineage.run.name ?? lineage.run.id, to: `/w/${workspace}/runs/${lineage.run.id}` }]
    : [];
  if (job && lineage.run) edges.push(['job', 'run']);
  const self: LineageNode = { id: 'model', kind: 'model', title: `${model.name}:${model.version}`, isFocus: true };
  if (lineage.run) edges.push(['run', 'model']);
  else if (job) edges.push(['job', 'model']);
  const users = serving.map(
    (item): LineageNode => ({
      id: `serve:${item.kind}/${item.endpoint}/${item.deployment}`,
      kind: `${item.kind} deployment`,
      title: `${item.endpoint}/${item.deployment}`,
      subtitle: item.state,
      ...(item.kind === 'online' ? { to: `/w/${workspace}/endpoints/${item.endpoint}` } : {}),
    }),
  );
  for (const user of users) edges.push(['model', user.id]);
  const columns = [sources, makers, runs, [self], users].filter((column) => column.length > 0);
  return { columns, edges };
}
