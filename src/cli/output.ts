import { stringify } from 'yaml';
import type { ResourceRecord } from '../core/resources/resource.js';
import { applyQuery } from './query.js';
import { formatTsv } from './tsv.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'tsv';

// One CLI process runs one command: main.ts sets the global --query once, before the command runs.
let outputQuery: string | undefined;

/** The JMESPath expression (`--query`) every printData of this command applies; main.ts checks it first. */
export function useOutputQuery(expression: string | undefined): void {
  outputQuery = expression;
}

/**
 * Prints data as JSON (exactly as the API returned it), YAML, tab-separated values (`-o tsv`,
 * as az prints them), or a table for people. With --query, only what the JMESPath expression
 * selects from the JSON is printed; as JSON in table mode, which has no table for a selection.
 */
export function printData(format: OutputFormat, data: unknown, table: () => string): void {
  const shown = outputQuery === undefined ? data : applyQuery(data, outputQuery);
  if (format === 'json' || (format === 'table' && outputQuery !== undefined)) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  else if (format === 'yaml') process.stdout.write(stringify(shown));
  else if (format === 'tsv') process.stdout.write(formatTsv(JSON.parse(JSON.stringify(shown ?? null)) as unknown));
  else process.stdout.write(`${table()}\n`);
}

/** A plain text table: a header row and aligned columns. */
export function renderTable(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function resourceTable(resources: ResourceRecord[]): string {
  const hasVersions = resources.some((r) => r.version !== null);
  const headers = ['NAME', ...(hasVersions ? ['VERSION'] : []), 'KIND', 'TYPE', 'TAGS', 'UPDATED'];
  const rows = resources.map((r) => [
    r.name,
    ...(hasVersions ? [r.version ?? ''] : []),
    r.kind,
    typeof r.spec.type === 'string' ? r.spec.type : '',
    Object.entries(r.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    r.updatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  ]);
  return renderTable(headers, rows);
}

/** One resource for people: its identity, then spec and status as YAML. */
export function resourceDetail(resource: ResourceRecord): string {
  const head = [
    `kind:        ${resource.kind}`,
    `name:        ${resource.name}`,
    ...(resource.version !== null ? [`version:     ${resource.version}`] : []),
    `workspace:   ${resource.workspace}`,
    ...(resource.description ? [`description: ${resource.description}`] : []),
    `tags:        ${
      Object.entries(resource.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '-'
    }`,
    `created:     ${resource.createdAt} by ${resource.createdBy}`,
    `updated:     ${resource.updatedAt}`,
    `etag:        ${resource.etag}`,
    // A compute instance's state and JupyterLab URL, up front as `az ml compute show` has them.
    ...(typeof resource.status.state === 'string' ? [`state:       ${resource.status.state}`] : []),
    ...(typeof resource.status.labUrl === 'string' ? [`lab:         ${resource.status.labUrl}`] : []),
  ];
  const indent = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
  return [...head, 'spec:', indent(stringify(resource.spec)), 'status:', indent(stringify(resource.status))].join('\n');
}
