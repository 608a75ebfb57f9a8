import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { type Budget, type CostReport, type CostRow, costGroupings, exportCost, getCost, listBudgets } from '../api/cost.js';
import { type Column, DataTable } from '../components/data-table.js';
import { MetricChart } from '../components/metric-chart.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import {
  costGroupPagePath,
  costLines,
  defaultPeriod,
  formatAmount,
  formatHours,
  formatPercent,
  formatThresholds,
  granularityFor,
  parseDay,
  parseGrouping,
} from '../lib/cost-view.js';
import { useApi } from '../lib/use-api.js';

const granularityWords = { day: 'per day', week: 'per week (from Monday)', month: 'per month' } as const;

/**
 * What the workspace's usage cost at this installation's prices: spend over the period (a point a
 * day, week or month as its length asks) grouped by compute, job, endpoint, size or a tag, the
 * grouped totals, and the workspace's budgets with this month's spend and forecast. The period and
 * grouping are in the URL (`?from=&to=&group_by=`), so a view can be linked.
 */
export function CostPage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const fallback = defaultPeriod(Date.now());
  const from = parseDay(search.get('from')) ?? fallback.from;
  const to = parseDay(search.get('to')) ?? fallback.to;
  const groupBy = parseGrouping(search.get('group_by'));
  const granularity = granularityFor(from, to);
  const report = useApi(() => getCost(workspace, { group_by: groupBy, from, to, granularity }), `${workspace}|${from}|${to}|${groupBy}`);
  const budgets = useApi(() => listBudgets(workspace), workspace);
  const choose = (next: { from: string; to: string; groupBy: string }) =>
    setSearch(new URLSearchParams({ from: next.from, to: next.to, group_by: next.groupBy }), { replace: true });
  return (
    <section>
      <h1>Cost</h1>
      <PeriodChooser key={`${from}|${to}|${groupBy}`} from={from} to={to} groupBy={groupBy} onChoose={choose} />
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.loading && !report.data ? <Loading what="cost" /> : null}
      {report.data ? <Spend workspace={workspace} report={report.data} granularity={granularityWords[granularity]} /> : null}
      <h2>Budgets</h2>
      {budgets.error ? <ErrorNotice error={budgets.error} /> : null}
      {budgets.loading && !budgets.data ? <Loading what="budgets" /> : null}
      {budgets.data?.length === 0 ? <NoBudget workspace={workspace} /> : null}
      {budgets.data && budgets.data.length > 0 ? <BudgetTable budgets={budgets.data} /> : null}
    </section>
  );
}

/** From and to (days, both included), and the grouping: a tag's key is typed after tag:. Applied on submit. */
function PeriodChooser({
  from,
  to,
  groupBy,
  onChoose,
}: {
  from: string;
  to: string;
  groupBy: string;
  onChoose: (next: { from: string; to: string; groupBy: string }) => void;
}) {
  const [draft, setDraft] = useState({
    from,
    to,
    grouping: groupBy.startsWith('tag:') ? 'tag' : groupBy,
    tag: groupBy.slice('tag:'.length),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = draft.grouping === 'tag' ? (draft.tag.trim() ? `tag:${draft.tag.trim()}` : 'compute') : draft.grouping;
    onChoose({ from: draft.from, to: draft.to, groupBy: chosen });
  };
  return (
    <form className="toolbar cost-period" aria-label="Period" onSubmit={submit}>
      <label>
        From <input type="date" name="from" value={draft.from} onChange={(event) => setDraft({ ...draft, from: event.target.value })} />
      </label>
      <label>
        To <input type="date" name="to" value={draft.to} onChange={(event) => setDraft({ ...draft, to: event.target.value })} />
      </label>
      <label>
        Group by{' '}
        <select name="group_by" value={draft.grouping} onChange={(event) => setDraft({ ...draft, grouping: event.target.value })}>
          {costGroupings.map((grouping) => (
            <option key={grouping} value={grouping}>
              {grouping}
            </option>
          ))}
          <option value="tag">tag</option>
        </select>
      </label>
      {draft.grouping === 'tag' ? (
        <label>
          Tag key{' '}
          <input
            name="tag"
            placeholder="cost_center"
            value={draft.tag}
            onChange={(event) => setDraft({ ...draft, tag: event.target.value })}
          />
        </label>
      ) : null}
      <button type="submit">Show</button>
    </form>
  );
}

/** The total, the chart over time and the grouped totals of one report. */
function Spend({ workspace, report, granularity }: { workspace: string; report: CostReport; granularity: string }) {
  const navigate = useNavigate();
  const lines = costLines(report.series ?? []);
  const { total } = report;
  const columns: Column<CostRow>[] = [
    {
      id: 'group',
      header: report.groupBy,
      render: (row) => <GroupLink workspace={workspace} groupBy={report.groupBy} group={row.group} />,
    },
    { id: 'cost', header: 'Cost', render: (row) => formatAmount(row.cost, row.currency), numeric: true },
    { id: 'list', header: 'At list price', render: (row) => formatAmount(row.listCost, row.currency), numeric: true },
    { id: 'node', header: 'Node hours', render: (row) => formatHours(row.nodeSeconds), numeric: true },
    { id: 'instance', header: 'Instance hours', render: (row) => formatHours(row.instanceSeconds), numeric: true },
    {
      id: 'unpriced',
      header: 'Unpriced hours',
      render: (row) => (row.unpricedSeconds > 0 ? formatHours(row.unpricedSeconds) : '—'),
      numeric: true,
    },
  ];
  return (
    <>
      <p className="summary-line cost-total">
        <strong>{formatAmount(total.cost, total.currency)}</strong>{' '}
        <span className="muted">
          from {new Date(report.from).toISOString().slice(0, 10)} to {new Date(report.to - 1).toISOString().slice(0, 10)} (UTC),{' '}
          {formatHours(total.nodeSeconds)} node hours, {formatHours(total.instanceSeconds)} instance hours
        </span>{' '}
        <DownloadCsv workspace={workspace} from={report.from} to={report.to} />
      </p>
      {total.unpricedSeconds > 0 ? (
        <p className="muted">
          {formatHours(total.unpricedSeconds)} hours have no price (an attached compute not under prices.computes in config.yaml): they are
          not in the cost.
        </p>
      ) : null}
      {lines.lines.length > 0 ? (
        <MetricChart
          title={`Cost ${granularity} by ${report.groupBy} (${report.currency})`}
          series={lines.lines.map((line) => ({ label: line.label, xs: lines.times, ys: line.values }))}
          xLabel="period"
          isTime={true}
          logScale={false}
        />
      ) : (
        <p className="muted no-spend">Nothing was spent in this period.</p>
      )}
      {report.rows.length > 0 ? (
        <>
          <DataTable
            label={`Cost by ${report.groupBy}`}
            columns={columns}
            rows={report.rows}
            rowKey={(row) => row.group}
            onOpen={(row) => {
              const path = costGroupPagePath(workspace, report.groupBy, row.group);
              if (path) navigate(path);
            }}
          />
          <p className="cost-table-total">
            Total <strong>{formatAmount(total.cost, total.currency)}</strong>{' '}
            <span className="muted">at list price {formatAmount(total.listCost, total.currency)}</span>
          </p>
        </>
      ) : null}
    </>
  );
}

/** A group's name, linked to its page where the studio has one. */
function GroupLink({ workspace, groupBy, group }: { workspace: string; groupBy: string; group: string }) {
  const path = costGroupPagePath(workspace, groupBy, group);
  return path ? <Link to={path}>{group}</Link> : group;
}

/** The period's usage as FinOps FOCUS CSV, saved as the file the server names. */
function DownloadCsv({ workspace, from, to }: { workspace: string; from: number; to: number }) {
  const [error, setError] = useState<Error>();
  const download = async () => {
    try {
      const { csv, fileName } = await exportCost(workspace, { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      link.download = fileName;
      link.click();
      URL.revokeObjectURL(link.href);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  return (
    <>
      <button type="button" onClick={() => void download()}>
        Download FOCUS CSV
      </button>
      {error ? <ErrorNotice error={error} /> : null}
    </>
  );
}

/** Each budget: its amount a month, this month's spend and forecast of the month's end, its thresholds and whether it holds jobs. */
function BudgetTable({ budgets }: { budgets: Budget[] }) {
  return (
    <table className="data-table compact" aria-label="Budgets">
      <thead>
        <tr>
          <th>Name</th>
          <th>Amount a month</th>
          <th>Spent this month</th>
          <th>Forecast at month's end</th>
          <th>Thresholds</th>
          <th>Enforcing</th>
        </tr>
      </thead>
      <tbody>
        {budgets.map(({ name, spec, status }) => (
          <tr key={name} data-budget={name}>
            <td>{name}</td>
            <td>{formatAmount(spec.amount, spec.currency)}</td>
            <td>
              {formatAmount(status.spent, status.currency)} <span className="muted">({formatPercent(status.percentUsed)})</span>
            </td>
            <td>
              {status.forecast === undefined ? (
                <span className="muted">—</span>
              ) : (
                <>
                  {formatAmount(status.forecast, status.currency)}{' '}
                  <span className="muted">({formatPercent(status.forecastPercent ?? 0)})</span>
                </>
              )}
            </td>
            <td>
              {formatThresholds(spec.thresholds)}
              {spec.forecast_thresholds.length > 0 ? (
                <span className="muted"> forecast {formatThresholds(spec.forecast_thresholds)}</span>
              ) : null}
            </td>
            <td>
              {spec.enforcing ? 'yes' : 'no'}
              {status.blocking ? <span className="badge bad"> holding jobs: {status.blocking}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NoBudget({ workspace }: { workspace: string }) {
  return (
    <EmptyState title="No budget">
      <p>A budget alerts at thresholds of an amount a month and, when enforcing, keeps new jobs queued once spent:</p>
      <pre>{`trellis budget create -w ${workspace} --name monthly --amount 500 --threshold 80 --threshold 100 --enforcing`}</pre>
    </EmptyState>
  );
}
