import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import {
  type AdvisorRule,
  type AdvisorScore,
  getAdvisorScore,
  listLiveRules,
  listRecommendations,
  type Pillar,
  pillars,
  type Recommendation,
} from '../api/advisor.js';
import { type Compliance, compliances, getPolicyStates, type PolicyStates, policyPagePath } from '../api/policy.js';
import { type Column, DataTable } from '../components/data-table.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import {
  formatScore,
  nonCompliantResources,
  parsePillar,
  pillarLabels,
  pillarOfRule,
  recommendationCounts,
  recommendationKey,
  recommendationPagePath,
  scoreTone,
  severityTones,
} from '../lib/advisor-view.js';
import { formatTime } from '../lib/format.js';
import { complianceCounts, complianceTones, resourceKind, resourcePagePath } from '../lib/policy-states.js';
import { useApi } from '../lib/use-api.js';

/**
 * The workspace's advisor, as Azure Advisor shows a subscription: the score per pillar and overall
 * (over the rules that apply; those that apply to nothing are listed apart, not scored), the
 * recommendations with what was found, why it matters and the fix (filtered by pillar with
 * `?pillar=`, so a filtered view can be linked), and the workspace's policy compliance per resource.
 */
export function AdvisorPage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filter = parsePillar(search.get('pillar'));
  const score = useApi(() => getAdvisorScore(workspace), workspace);
  const recommendations = useApi(() => listRecommendations(workspace), workspace);
  const rules = useApi(listLiveRules, 'live-rules');
  const policy = useApi(() => getPolicyStates(workspace), workspace);
  const all = recommendations.data ?? [];
  const rows = filter ? all.filter((item) => item.pillar === filter) : all;
  const pick = (pillar: Pillar | undefined) => {
    const next = new URLSearchParams(search);
    if (pillar) next.set('pillar', pillar);
    else next.delete('pillar');
    setSearch(next, { replace: true });
  };
  const reload = () => {
    score.reload();
    recommendations.reload();
    policy.reload();
  };
  const columns: Column<Recommendation>[] = [
    {
      id: 'rule',
      header: 'Rule',
      render: (item) => (
        <>
          <code>{item.ruleId}</code> <span className="muted">{item.title}</span>
        </>
      ),
    },
    { id: 'pillar', header: 'Pillar', render: (item) => pillarLabels[item.pillar] },
    {
      id: 'severity',
      header: 'Severity',
      render: (item) => <span className={`badge ${severityTones[item.severity]}`}>{item.severity}</span>,
    },
    { id: 'resource', header: 'Resource', render: (item) => <ResourceLink workspace={workspace} resource={item.resource} /> },
    { id: 'found', header: 'Found', render: (item) => item.message },
    { id: 'why', header: 'Why it matters', render: (item) => item.why },
    { id: 'fix', header: 'Fix', render: (item) => <code className="fix">{item.fix}</code> },
  ];
  return (
    <section>
      <h1>Advisor</h1>
      <p className="muted">
        The live rules of the Well-Architected pillars on this workspace, scored as Azure Advisor does: per pillar over the rules that
        apply, weighed by severity.{' '}
        <button type="button" className="link" onClick={reload}>
          Evaluate again
        </button>
      </p>
      {score.error ? <ErrorNotice error={score.error} /> : null}
      {score.loading && !score.data ? <Loading what="the score" /> : null}
      {score.data ? <ScoreTable score={score.data} rules={rules.data ?? []} /> : null}
      <h2>Recommendations</h2>
      {recommendations.error ? <ErrorNotice error={recommendations.error} /> : null}
      {recommendations.loading && !recommendations.data ? <Loading what="recommendations" /> : null}
      {recommendations.data ? (
        <>
          <PillarChips counts={recommendationCounts(all)} total={all.length} filter={filter} onPick={pick} />
          {rows.length > 0 ? (
            <DataTable
              label="Recommendations"
              columns={columns}
              rows={rows}
              rowKey={recommendationKey}
              onOpen={(item) => {
                const path = recommendationPagePath(workspace, item.resource);
                if (path) navigate(path);
              }}
            />
          ) : (
            <p className="muted no-recommendations">
              {filter ? `No ${pillarLabels[filter].toLowerCase()} recommendation.` : 'No recommendation: every rule that applies passes.'}
            </p>
          )}
        </>
      ) : null}
      <h2>Policy compliance</h2>
      {policy.error ? <ErrorNotice error={policy.error} /> : null}
      {policy.loading && !policy.data ? <Loading what="compliance states" /> : null}
      {policy.data ? <PolicyCompliance workspace={workspace} states={policy.data} /> : null}
    </section>
  );
}

/** The score of each pillar with its checks, the overall score, and the live rules that apply to nothing here (not scored). */
function ScoreTable({ score, rules }: { score: AdvisorScore; rules: AdvisorRule[] }) {
  const titles = new Map(rules.map((rule) => [rule.id, rule.title]));
  return (
    <>
      <p className="summary-line advisor-overall">
        Overall <strong className={`score ${scoreTone(score.overall)}`}>{formatScore(score.overall)}</strong>{' '}
        <span className="muted">
          {score.checks} check{score.checks === 1 ? '' : 's'}, evaluated {formatTime(score.evaluatedAt)}
          {score.serverRules ? '' : "; the server-wide rules are left out (they need a reader of '/')"}
        </span>
      </p>
      <table className="data-table compact" aria-label="Score by pillar">
        <thead>
          <tr>
            <th>Pillar</th>
            <th>Score</th>
            <th>Passed</th>
            <th>Failed</th>
            <th>Unknown</th>
            <th>Not applicable</th>
          </tr>
        </thead>
        <tbody>
          {pillars.map((pillar) => {
            const { score: value, passed, failed, unknown } = score.pillars[pillar];
            const notApplicable = score.notApplicable.filter((id) => pillarOfRule(id) === pillar);
            return (
              <tr key={pillar} data-pillar={pillar}>
                <td>{pillarLabels[pillar]}</td>
                <td>
                  <span className={`score ${scoreTone(value)}`} title={value === null ? 'no rule of this pillar applies here' : undefined}>
                    {formatScore(value)}
                  </span>
                </td>
                <td>{passed}</td>
                <td>{failed}</td>
                <td>{unknown}</td>
                <td>
                  {notApplicable.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    notApplicable.map((id) => (
                      <code key={id} className="not-applicable" title={titles.get(id)}>
                        {id}
                      </code>
                    ))
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        A pillar scores — when no rule of it applies here: the rules listed as not applicable found nothing to check (no deployment, no job
        yet), so they are left out of the score rather than counted as passed. docs/advisor.md has the formula.
      </p>
    </>
  );
}

/** "All N" and a chip per pillar with its count that filters the table (again: clears). */
function PillarChips({
  counts,
  total,
  filter,
  onPick,
}: {
  counts: Record<Pillar, number>;
  total: number;
  filter: Pillar | undefined;
  onPick: (pillar: Pillar | undefined) => void;
}) {
  return (
    <fieldset className="chips" aria-label="Filter by pillar">
      <button type="button" className="chip" aria-pressed={filter === undefined} onClick={() => onPick(undefined)}>
        All <span className="count">{total}</span>
      </button>
      {pillars.map((pillar) => (
        <button
          key={pillar}
          type="button"
          className={`chip ${counts[pillar] > 0 ? 'bad' : 'idle'}`}
          data-pillar={pillar}
          aria-pressed={filter === pillar}
          onClick={() => onPick(filter === pillar ? undefined : pillar)}
        >
          {pillarLabels[pillar]} <span className="count">{counts[pillar]}</span>
        </button>
      ))}
    </fieldset>
  );
}

function ResourceLink({ workspace, resource }: { workspace: string; resource: Recommendation['resource'] }) {
  const path = recommendationPagePath(workspace, resource);
  return (
    <>
      {path ? <Link to={path}>{resource.name}</Link> : <code>{resource.name}</code>} <span className="muted">{resource.kind}</span>
    </>
  );
}

const complianceLabels: Record<Compliance, string> = {
  NonCompliant: 'Non-compliant',
  Exempt: 'Exempt',
  Compliant: 'Compliant',
  NotApplicable: 'Not applicable',
};

/** The policy states in brief: counts by compliance (each a link to the Policy page filtered so), and which assignments each non-compliant resource violates. */
function PolicyCompliance({ workspace, states }: { workspace: string; states: PolicyStates }) {
  const counts = complianceCounts(states.items);
  const violators = nonCompliantResources(states.items);
  if (states.items.length === 0)
    return (
      <p className="muted">
        No policy assignment reaches this workspace. <Link to={policyPagePath(workspace)}>Policy</Link> says how to assign one.
      </p>
    );
  return (
    <div className="policy-summary">
      <p className="summary-line">
        <strong className={states.summary.nonCompliant > 0 ? 'bad' : 'ok'}>
          {states.summary.nonCompliant} of {states.summary.resources} resource{states.summary.resources === 1 ? '' : 's'} non-compliant
        </strong>{' '}
        <Link to={policyPagePath(workspace)}>All compliance states</Link>
      </p>
      <ul className="chips compliance-counts" aria-label="Compliance counts">
        {compliances.map((compliance) => (
          <li key={compliance}>
            <Link
              className={`badge ${complianceTones[compliance]}`}
              data-compliance={compliance}
              to={policyPagePath(workspace, compliance)}
            >
              {complianceLabels[compliance]} {counts[compliance]}
            </Link>
          </li>
        ))}
      </ul>
      {violators.length > 0 ? (
        <table className="data-table compact" aria-label="Non-compliant resources">
          <thead>
            <tr>
              <th>Resource</th>
              <th>Violates</th>
            </tr>
          </thead>
          <tbody>
            {violators.map((violator) => {
              const path = resourcePagePath(workspace, violator.resourceId);
              return (
                <tr key={`${violator.resourceId}|${violator.resourceType}`}>
                  <td>
                    {path ? <Link to={path}>{violator.resourceId}</Link> : <code>{violator.resourceId}</code>}{' '}
                    <span className="muted">{resourceKind(violator.resourceType)}</span>
                  </td>
                  <td>{violator.assignments.join(', ')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
