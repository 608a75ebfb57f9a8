import { Fragment } from 'react';
import type { Span } from '../api/traces.js';
import { formatNanos, type SpanTree, timelineBar } from '../lib/span-tree.js';

/** One span in full: what it is, when it ran, whether it failed, and its inputs, outputs, attributes and events as JSON. */
export function SpanDetails({ tree, span }: { tree: SpanTree; span: Span }) {
  const bar = timelineBar(tree, span);
  const attributes = Object.entries(span.attributes);
  return (
    <section className="span-details" aria-label="Span details">
      <h2>
        {span.name} {span.spanType ? <span className="span-type">{span.spanType}</span> : null}{' '}
        <span className={`badge ${span.isError ? 'bad' : span.endNs === undefined ? 'busy' : 'ok'}`}>
          {span.isError ? 'ERROR' : span.endNs === undefined ? 'IN_PROGRESS' : 'OK'}
        </span>
      </h2>
      <dl className="facts">
        <dt>Span ID</dt>
        <dd>
          <code>{span.spanId}</code>
        </dd>
        <dt>Starts at</dt>
        <dd>+{formatNanos(bar.offsetNs)}</dd>
        <dt>Duration</dt>
        <dd>{bar.durationNs === undefined ? 'still open' : formatNanos(bar.durationNs)}</dd>
        {span.statusMessage ? (
          <>
            <dt>Status</dt>
            <dd className={span.isError ? 'span-error' : undefined}>{span.statusMessage}</dd>
          </>
        ) : null}
      </dl>
      <JsonBlock title="Inputs" value={span.inputs} empty="No inputs recorded." />
      <JsonBlock title="Outputs" value={span.outputs} empty="No outputs recorded." />
      <JsonBlock
        title="Attributes"
        value={attributes.length > 0 ? Object.fromEntries(attributes) : undefined}
        empty="No other attributes."
      />
      <h3>Events</h3>
      {span.events.length === 0 ? (
        <p className="muted">No events.</p>
      ) : (
        span.events.map((event, index) => (
          // Events have no id; their order in the span is theirs.
          // biome-ignore lint/suspicious/noArrayIndexKey: the list is fixed for the span shown
          <div key={index} className={event.name === 'exception' ? 'span-event error' : 'span-event'}>
            <strong>{event.name}</strong>{' '}
            {event.timeNs === undefined ? null : <span className="muted">at +{formatNanos(Number(event.timeNs - tree.startNs))}</span>}
            {Object.keys(event.attributes).length > 0 ? (
              <dl className="facts">
                {Object.entries(event.attributes).map(([key, value]) => (
                  <Fragment key={key}>
                    <dt>{key}</dt>
                    <dd>
                      {typeof value === 'string' && value.includes('\n') ? <pre className="span-json">{value}</pre> : formatJson(value)}
                    </dd>
                  </Fragment>
                ))}
              </dl>
            ) : null}
          </div>
        ))
      )}
    </section>
  );
}

function JsonBlock({ title, value, empty }: { title: string; value: unknown; empty: string }) {
  return (
    <>
      <h3>{title}</h3>
      {value === undefined || value === null ? <p className="muted">{empty}</p> : <pre className="span-json">{formatJson(value)}</pre>}
    </>
  );
}

/** Indented JSON; a string is shown as its text, so a prompt or a stack trace reads as written. */
function formatJson(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2) ?? String(value);
}
