import { type StoredSpan, spanAttributeKey } from './mlflow-span.js';
import { dumpPythonJson, type PyJson, type PyObject, tryParsePythonJson } from './python-json.js';

/** What MLflow's server derives for a trace it creates from OTLP spans alone (SqlAlchemyStore.log_spans). */
export interface TraceSummary {
  /** The earliest span start, in milliseconds since the epoch. */
  requestTimeMs: number;
  /** The latest span end less the earliest start, in milliseconds; null while no span has ended. */
  executionDurationMs: number | null;
  /** ERROR when the root span's status is an error, OK for any other root, IN_PROGRESS without a root. */
  state: 'OK' | 'ERROR' | 'IN_PROGRESS';
  requestPreview: string | null;
  responsePreview: string | null;
  /** mlflow.trace.tokenUsage, mlflow.trace.session and mlflow.trace.user, where the spans carry them. */
  metadata: Record<string, string>;
  /** Trace tags the root span carries as mlflow.traceTag.<key> attributes. */
  tags: Record<string, string>;
}

/** MLflow's OSS preview length (TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS). */
export const previewMaxLength = 1000;

const traceTagPrefix = 'mlflow.traceTag.';
const tokenKeys = ['input_tokens', 'output_tokens', 'total_tokens'] as const;
const cacheTokenKeys = ['cache_read_input_tokens', 'cache_creation_input_tokens', 'cache_creation_input_tokens_above_1hr'] as const;

/** A stored attribute JSON-decoded once, as _try_parse_json_string does. */
function decodedAttribute(attributes: PyObject, key: string): PyJson | undefined {
  const stored = attributes.get(key);
  if (typeof stored !== 'string') return stored;
  const decoded = tryParsePythonJson(stored);
  return decoded === undefined ? stored : decoded;
}

const isMessage = (item: PyJson): item is PyObject => item instanceof Map && item.has('role') && item.has('content');

/** The chat messages in an OpenAI-style request or response, as MLflow's _try_extract_messages finds them. */
function messagesOf(object: PyJson): PyObject[] | null {
  if (!(object instanceof Map)) return null;
  for (const key of ['messages', 'input', 'output']) {
    const list = object.get(key);
    if (Array.isArray(list) && list.length > 0) return list.filter(isMessage);
    if (key === 'messages') {
      const choices = object.get('choices');
      const message = Array.isArray(choices) && choices[0] instanceof Map ? choices[0].get('message') : undefined;
      if (message !== undefined && isMessage(message)) return [message];
    }
  }
  const request = object.get('request');
  return request === undefined ? null : messagesOf(request);
}

function textOfMessage(message: PyObject): string {
  const content = message.get('content');
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part === 'string') return part;
      if (part instanceof Map && (part.get('type') === 'text' || part.get('type') === 'output_text')) {
        const text = part.get('text');
        return typeof text === 'string' ? text : '';
      }
    }
  }
  return '';
}

/** A request or response preview as MLflow's _get_truncated_preview makes it from the stored attribute text. */
export function truncatedPreviewOf(stored: string, role: 'user' | 'assistant'): string {
  const messages = messagesOf(tryParsePythonJson(stored) ?? null);
  let content = '';
  if (messages && messages.length > 0) {
    const message = [...messages].reverse().find((item) => item.get('role') === role) ?? messages[messages.length - 1];
    if (message) content = textOfMessage(message);
  }
  const text = content || stored;
  // Python counts code points, not UTF-16 units.
  const characters = Array.from(text);
  return characters.length <= previewMaxLength ? text : `${characters.slice(0, previewMaxLength - 3).join('')}...`;
}

function usageOf(attributes: PyObject): PyObject | null {
  const usage = decodedAttribute(attributes, spanAttributeKey.chatUsage);
  return usage instanceof Map ? usage : null;
}

const numberOf = (value: PyJson | undefined): bigint | number => (typeof value === 'bigint' || typeof value === 'number' ? value : 0n);
const add = (left: bigint | number, right: bigint | number): bigint | number =>
  typeof left === 'bigint' && typeof right === 'bigint' ? left + right : Number(left) + Number(right);

/**
 * Token usage summed over the span tree as MLflow's aggregate_usage_from_span_nodes does: a span's
 * usage counts only when no ancestor has usage (rollup parents already include their children).
 */
function aggregateUsage(spans: StoredSpan[]): PyObject | null {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, StoredSpan[]>();
  const roots: StoredSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      const siblings = children.get(span.parentSpanId);
      if (siblings) siblings.push(span);
      else children.set(span.parentSpanId, [span]);
    } else roots.push(span);
  }
  const totals: PyObject = new Map(tokenKeys.map((key) => [key, 0n]));
  let hasData = false;
  const stack: [StoredSpan, boolean][] = roots.map((root) => [root, false]);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [span, ancestorHasData] = next;
    const usage = usageOf(span.attributes);
    if (usage && !ancestorHasData) {
      for (const key of tokenKeys) totals.set(key, add(numberOf(totals.get(key)), numberOf(usage.get(key))));
      for (const key of cacheTokenKeys) if (usage.has(key)) totals.set(key, add(numberOf(totals.get(key)), numberOf(usage.get(key))));
      hasData = true;
    }
    for (const child of children.get(span.spanId) ?? []) stack.push([child, ancestorHasData || usage !== null]);
  }
  return hasData ? totals : null;
}

const textOf = (value: PyJson | undefined): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : dumpPythonJson(value);

/**
 * The trace info MLflow's server derives from a trace's spans when the spans alone create it: request
 * time, duration, state, previews from the root span's inputs and outputs, token usage, session,
 * user and tags. Times are taken in whole milliseconds as MLflow does (ns // 1e6).
 */
export function traceSummaryOf(spans: StoredSpan[]): TraceSummary {
  // Microseconds are exact, so floor(us / 1000) is MLflow's ns // 1_000_000.
  let firstStartUs = Number.POSITIVE_INFINITY;
  let lastEndUs: number | null = null;
  for (const span of spans) {
    firstStartUs = Math.min(firstStartUs, span.startTimeUs);
    if (span.endTimeUs !== null) lastEndUs = Math.max(lastEndUs ?? span.endTimeUs, span.endTimeUs);
  }
  const requestTimeMs = spans.length === 0 ? 0 : Math.floor(firstStartUs / 1000);
  const maxEndMs = lastEndUs === null ? null : Math.floor(lastEndUs / 1000);
  const root = spans.find((span) => span.parentSpanId === null);
  const rootAttributes: PyObject = root?.attributes ?? new Map();
  const preview = (key: string, role: 'user' | 'assistant'): string | null => {
    const stored = rootAttributes.get(key);
    return typeof stored === 'string' && stored !== '' ? truncatedPreviewOf(stored, role) : null;
  };
  const metadata: Record<string, string> = {};
  const usage = aggregateUsage(spans);
  if (usage) metadata['mlflow.trace.tokenUsage'] = dumpPythonJson(usage);
  for (const span of spans) {
    const attributes = span.attributes;
    const session = textOf(
      decodedAttribute(attributes, spanAttributeKey.sessionId) ?? decodedAttribute(attributes, 'gen_ai.conversation.id'),
    );
    if (session && metadata['mlflow.trace.session'] === undefined) metadata['mlflow.trace.session'] = session;
    const user = textOf(decodedAttribute(attributes, 'user.id'));
    if (user && metadata['mlflow.trace.user'] === undefined) metadata['mlflow.trace.user'] = user;
  }
  const tags: Record<string, string> = {};
  for (const key of rootAttributes.keys()) {
    if (key.startsWith(traceTagPrefix)) tags[key.slice(traceTagPrefix.length)] = textOf(decodedAttribute(rootAttributes, key)) ?? '';
  }
  return {
    requestTimeMs,
    executionDurationMs: maxEndMs === null || maxEndMs === 0 ? null : maxEndMs - requestTimeMs,
    state: root === undefined ? 'IN_PROGRESS' : root.status === 'ERROR' ? 'ERROR' : 'OK',
    requestPreview: preview(spanAttributeKey.inputs, 'user'),
    responsePreview: preview(spanAttributeKey.outputs, 'assistant'),
    metadata,
    tags,
  };
}
