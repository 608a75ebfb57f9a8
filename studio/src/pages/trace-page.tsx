import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { getExperiment } from '../api/mlflow.js';
import { getTrace, type Trace } from '../api/traces.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { SpanDetails } from '../components/span-details.js';
import { SpanTreeView } from '../components/span-tree.js';
import { formatTime } from '../lib/format.js';
import { allExpandable, ancestorIds, buildSpanTree, firstError, formatNanos, initiallyExpanded, visibleRows } from '../lib/span-tree.js';
import { traceStateTone, userTags } from '../lib/trace-rows.js';
import { useApi } from '../lib/use-api.js';

/** One trace: what it was asked and answered, and its spans as a tree on a timeline, the selected one in full. */
export function TracePage() {
  const { workspace = 'default', traceId = '' } = useParams();
  const trace = useApi(() => getTrace(workspace, traceId), `${workspace}/${traceId}`);
  if (trace.error)
    return <ErrorNotice error={trace.error} action={<Link to={`/w/${workspace}/experiments`}>Back to the experiments</Link>} />;
  if (!trace.data) return <Loading what="the trace" />;
  return <TraceView key={traceId} workspace={workspace} trace={trace.data} />;
}

function TraceView({ workspace, trace }: { workspace: string; trace: Trace }) {
  const { info } = trace;
  const experimentId = info.experimentId;
  const experiment = useApi(
    () => (experimentId === undefined ? Promise.resolve(undefined) : getExperiment(workspace, experimentId)),
    `${workspace}/${experimentId}`,
  );
  const tree = useMemo(() => buildSpanTree(trace.spans), [trace.spans]);
  // The selected span is in the URL, so a link can point at it; it opens with the way down to it expanded.
  const [search, setSearch] = useSearchParams();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => {
    const linked = search.get('span');
    return new Set([...initiallyExpanded(tree), ...(linked ? ancestorIds(tree, linked) : [])]);
  });
  const rows = useMemo(() => visibleRows(tree, expanded), [tree, expanded]);
  const selectedId = search.get('span') ?? tree.roots[0]?.span.spanId;
  const selected = selectedId === undefined ? undefined : tree.byId.get(selectedId);
  const select = (spanId: string) => {
    const next = new URLSearchParams(search);
    next.set('span', spanId);
    setSearch(next, { replace: true });
  };
  const toggle = (spanId: string, expand: boolean) => {
    const next = new Set(expanded);
    if (expand) next.add(spanId);
    else next.delete(spanId);
    setExpanded(next);
  };
  const failed = useMemo(() => firstError(tree), [tree]);
  const showFailed = () => {
    if (!failed) return;
    setExpanded(new Set([...expanded, ...ancestorIds(tree, failed.span.spanId)]));
    select(failed.span.spanId);
  };
  const tags = userTags(info.tags);
  const experimentPath = experimentId === undefined ? undefined : `/w/${workspace}/experiments/${experimentId}`;

  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/experiments`}>Experiments</Link> /{' '}
        {experimentPath ? (
          <>
            <Link to={experimentPath}>{experiment.data?.name ?? experimentId}</Link> / <Link to={`${experimentPath}/traces`}>Traces</Link> /{' '}
          </>
        ) : null}
        <span>{info.traceId}</span>
      </nav>
      <h1>
        {info.name ?? tree.roots[0]?.span.name ?? info.traceId} <span className={`badge ${traceStateTone(info.state)}`}>{info.state}</span>
      </h1>
      <dl className="facts">
        <dt>Trace ID</dt>
        <dd>
          <code>{info.traceId}</code>
        </dd>
        {info.clientRequestId ? (
          <>
            <dt>Client request ID</dt>
            <dd>
              <code>{info.clientRequestId}</code>
            </dd>
          </>
        ) : null}
        <dt>Request time</dt>
        <dd>{formatTime(info.requestTime)}</dd>
        <dt>Duration</dt>
        <dd>{info.executionDuration === undefined ? 'in progress' : formatNanos(info.executionDuration * 1e6)}</dd>
        <dt>Spans</dt>
        <dd>{trace.spans.length}</dd>
        {tags.length > 0 ? (
          <>
            <dt>Tags</dt>
            <dd className="trace-tags">
              {tags.map(([key, value]) => (
                <code key={key}>
                  {key}={value}
                </code>
              ))}
            </dd>
          </>
        ) : null}
      </dl>

      <div className="toolbar">
        <button type="button" onClick={() => setExpanded(allExpandable(tree))}>
          Expand all
        </button>
        <button type="button" onClick={() => setExpanded(new Set())}>
          Collapse all
        </button>
        {failed ? (
          <button type="button" onClick={showFailed}>
            Show the failed span
          </button>
        ) : null}
        <span className="muted">
          {rows.length} of {trace.spans.length} spans shown
        </span>
      </div>
      {trace.spans.length === 0 ? (
        <p className="muted">This trace has no spans yet.</p>
      ) : (
        <div className="trace-layout">
          <SpanTreeView tree={tree} rows={rows} selectedId={selected?.span.spanId} onSelect={select} onToggle={toggle} />
          {selected ? <SpanDetails tree={tree} span={selected.span} /> : <p className="muted">Pick a span to see it in full.</p>}
        </div>
      )}
    </section>
  );
}
