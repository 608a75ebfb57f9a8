import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import {
  type Compliance,
  compliances,
  getPolicyStates,
  listAssignmentsReaching,
  listWorkspaceExemptions,
  type PolicyAssignment,
  type PolicyExemption,
  type PolicyState,
} from '../api/policy.js';
import { type Column, DataTable } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../lib/format.js';
import {
  complianceCounts,
  complianceTones,
  effectsByAssignment,
  formatParameters,
  orderStates,
  parseCompliance,
  resourceKind,
  resourcePagePath,
  stateKey,
  whyOf,
} from '../lib/policy-states.js';
import { useApi } from '../lib/use-api.js';

const complianceLabels: Record<Compliance, string> = {
  NonCompliant: 'Non-compliant',
  Exempt: 'Exempt',
  Compliant: 'Compliant',
  NotApplicable: 'Not applicable',
};

/**
 * The workspace's policy compliance: how many of its resources violate an assignment, each
 * resource's state with each assignment (non-compliant first, with what matched; filtered by
 * outcome with `?compliance=`, so a filtered view can be linked), then the assignments reaching the
 * workspace and the exemptions of its resources.
 */
export function PolicyPage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filter = parseCompliance(search.get('compliance'));
  const states = useApi(() => getPolicyStates(workspace), workspace);
  const assignments = useApi(() => listAssignmentsReaching(workspace), workspace);
  const exemptions = useApi(() => listWorkspaceExemptions(workspace), workspace);
  const all = orderStates(states.data?.items ?? []);
  const rows = filter ? all.filter((state) => state.compliance === filter) : all;
  const pick = (compliance: Compliance | undefined) => {
    const next = new URLSearchParams(search);
    if (compliance) next.set('compliance', compliance);
    else next.delete('compliance');
    setSearch(next, { replace: true });
  };
  const columns: Column<PolicyState>[] = [
    { id: 'resource', header: 'Resource', render: (state) => <Resource workspace={workspace} state={state} /> },
    { id: 'assignment', header: 'Assignment', render: (state) => state.assignment },
    {
      id: 'definition',
      header: 'Definition',
      render: (state) => <span title={state.definition}>{state.displayName ?? state.definition}</span>,
    },
    { id: 'effect', header: 'Effect', render: (state) => <Effect effect={state.effect} enforcementMode={state.enforcementMode} /> },
    { id: 'compliance', header: 'Compliance', render: (state) => <ComplianceBadge compliance={state.compliance} /> },
    { id: 'why', header: 'Why', render: (state) => whyOf(state) || <span className="muted">—</span> },
  ];
  const isUnassigned = assignments.data?.length === 0;
  return (
    <section>
      <h1>Policy</h1>
      {states.error ? <ErrorNotice error={states.error} action={<RetryButton onClick={states.reload} />} /> : null}
      {states.loading && !states.data ? <Loading what="compliance states" /> : null}
      {isUnassigned ? <NothingAssigned workspace={workspace} /> : null}
      {states.data && !isUnassigned ? (
        <>
          <ComplianceSummary states={states.data} counts={complianceCounts(all)} filter={filter} onPick={pick} />
          {rows.length > 0 ? (
            <DataTable
              label="Compliance"
              columns={columns}
              rows={rows}
              rowKey={stateKey}
              onOpen={(state) => {
                const path = resourcePagePath(workspace, state.resourceId);
                if (path) navigate(path);
              }}
            />
          ) : (
            <p className="muted">{filter ? `No resource is ${complianceLabels[filter].toLowerCase()}.` : 'No compliance state yet.'}</p>
          )}
        </>
      ) : null}
      <h2>Assignments</h2>
      {assignments.error ? <ErrorNotice error={assignments.error} /> : null}
      {assignments.loading && !assignments.data ? <Loading what="assignments" /> : null}
      {assignments.data && assignments.data.length > 0 ? (
        <AssignmentTable workspace={workspace} assignments={assignments.data} effects={effectsByAssignment(all)} />
      ) : null}
      {isUnassigned ? <p className="muted">None reaches this workspace.</p> : null}
      <h2>Exemptions</h2>
      {exemptions.error ? <ErrorNotice error={exemptions.error} /> : null}
      {exemptions.loading && !exemptions.data ? <Loading what="exemptions" /> : null}
      {exemptions.data?.length === 0 ? <p className="muted">None: every assignment applies to every resource it selects.</p> : null}
      {exemptions.data && exemptions.data.length > 0 ? <ExemptionTable exemptions={exemptions.data} /> : null}
    </section>
  );
}

function RetryButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick}>
      Try again
    </button>
  );
}

/** "N of M resources non-compliant", and a chip per outcome with its count that filters the table (again: clears). */
function ComplianceSummary({
  states,
  counts,
  filter,
  onPick,
}: {
  states: { summary: { resources: number; nonCompliant: number } };
  counts: Record<Compliance, number>;
  filter: Compliance | undefined;
  onPick: (compliance: Compliance | undefined) => void;
}) {
  const { resources, nonCompliant } = states.summary;
  return (
    <div className="policy-summary">
      <p className="summary-line">
        <strong className={nonCompliant > 0 ? 'bad' : 'ok'}>
          {nonCompliant} of {resources} resource{resources === 1 ? '' : 's'} non-compliant
        </strong>
      </p>
      <fieldset className="chips" aria-label="Filter by compliance">
        <button type="button" className="chip" aria-pressed={filter === undefined} onClick={() => onPick(undefined)}>
          All <span className="count">{Object.values(counts).reduce((sum, count) => sum + count, 0)}</span>
        </button>
        {compliances.map((compliance) => (
          <button
            key={compliance}
            type="button"
            className={`chip ${complianceTones[compliance]}`}
            data-compliance={compliance}
            aria-pressed={filter === compliance}
            onClick={() => onPick(filter === compliance ? undefined : compliance)}
          >
            {complianceLabels[compliance]} <span className="count">{counts[compliance]}</span>
          </button>
        ))}
      </fieldset>
    </div>
  );
}

function ComplianceBadge({ compliance }: { compliance: Compliance }) {
  return <span className={`badge ${complianceTones[compliance]}`}>{compliance}</span>;
}

/** The resource id, linked to its page where the studio has one, and what kind of resource it is. */
function Resource({ workspace, state }: { workspace: string; state: PolicyState }) {
  const path = resourcePagePath(workspace, state.resourceId);
  return (
    <>
      {path ? <Link to={path}>{state.resourceId}</Link> : <code>{state.resourceId}</code>}{' '}
      <span className="muted" title={state.resourceType}>
        {resourceKind(state.resourceType)}
      </span>
    </>
  );
}

function Effect({ effect, enforcementMode }: { effect: string; enforcementMode: string }) {
  return (
    <>
      <code>{effect}</code>
      {enforcementMode === 'DoNotEnforce' ? <span className="muted"> (not enforced)</span> : null}
    </>
  );
}

/** The assignments reaching the workspace, the server's and its own. */
function AssignmentTable({
  workspace,
  assignments,
  effects,
}: {
  workspace: string;
  assignments: PolicyAssignment[];
  effects: Map<string, string>;
}) {
  return (
    <table className="data-table compact" aria-label="Assignments">
      <thead>
        <tr>
          <th>Name</th>
          <th>Scope</th>
          <th>Definition</th>
          <th>Effect and parameters</th>
          <th>Enforcement</th>
        </tr>
      </thead>
      <tbody>
        {assignments.map((assignment) => {
          const parameters = formatParameters(assignment.parameters);
          return (
            <tr key={assignment.name} data-assignment={assignment.name}>
              <td title={assignment.description ?? undefined}>{assignment.name}</td>
              <td>
                <code>{assignment.scope}</code>{' '}
                <span className="muted">{assignment.scope === '/' ? '(the server)' : `(workspace ${workspace})`}</span>
              </td>
              <td title={assignment.definition}>{assignment.displayName ?? assignment.definition}</td>
              <td>
                {effects.has(assignment.name) ? <code>{effects.get(assignment.name)}</code> : <span className="muted">—</span>}
                {parameters ? <span className="muted"> {parameters}</span> : null}
              </td>
              <td>{assignment.enforcementMode}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The exemptions of the workspace and its resources: who is waived from what, why, and until when. */
function ExemptionTable({ exemptions }: { exemptions: PolicyExemption[] }) {
  const now = Date.now();
  return (
    <table className="data-table compact" aria-label="Exemptions">
      <thead>
        <tr>
          <th>Name</th>
          <th>Assignment</th>
          <th>Scope</th>
          <th>Category</th>
          <th>Expires</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {exemptions.map((exemption) => (
          <tr key={exemption.name} data-exemption={exemption.name}>
            <td>{exemption.name}</td>
            <td>{exemption.assignment}</td>
            <td>
              <code>{exemption.scope}</code>
            </td>
            <td>{exemption.category}</td>
            <td>
              {exemption.expiresAt === null ? (
                <span className="muted">never</span>
              ) : (
                <>
                  {formatTime(exemption.expiresAt)}
                  {exemption.expiresAt <= now ? (
                    <>
                      {' '}
                      <span className="badge idle">expired</span>
                    </>
                  ) : null}
                </>
              )}
            </td>
            <td>{exemption.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** No assignment reaches the workspace: what policy is here, and the walkthrough's commands to assign a built-in. */
function NothingAssigned({ workspace }: { workspace: string }) {
  return (
    <EmptyState title="No policy assigned">
      <p>
        A policy assignment applies one of Azure's built-in Machine Learning definitions (or a custom one) to every workspace (scope{' '}
        <code>/</code>) or to this one, to audit, deny or modify its computes, endpoints and jobs. Assign a built-in, then see who complies
        here:
      </p>
      <pre>{`# Azure's built-in definitions
trellis policy definition list

# audit only: clusters and compute instances should name a subnet
trellis policy assignment create --name vnet --definition Vnet_Audit

# compute instances in '${workspace}' must shut down when idle: refuse those that do not
trellis policy assignment create --name idle-deny --definition IdleShutdown_Audit \\
  --effect Deny --scope /workspaces/${workspace}`}</pre>
      <p>
        <code>trellis policy state list -w {workspace}</code> shows the same states; docs/governance.md has the whole walkthrough.
      </p>
    </EmptyState>
  );
}
