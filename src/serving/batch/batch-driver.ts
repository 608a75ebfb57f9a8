/**
 * The process a batch endpoint's scoring job runs (`node batch-driver.js --input <folder> --model
 * <folder> --output <folder> --settings <base64 JSON>`): lists the input's files, cuts them into
 * mini-batches (core/endpoints/batch-plan.ts), and scores them with max_concurrency_per_instance
 * worker instances of the model's runtime (the online deployments' workers, worker-instance.ts).
 * A model without code (ONNX, MLflow): each file's rows (a CSV, header optional, columns in file
 * order as the model's input) go to the model in one {"data": [[...]]} call per mini-batch, and the
 * output has a `file,row,prediction` line per row. A scoring script (Azure ML's batch contract):
 * init() once per worker, then run(mini_batch) with the mini-batch's file paths; each element it
 * returns is one output line, written as it is, and files past the count it returns are failed
 * items. The script may write its own files to AZUREML_BI_OUTPUT_PATH (the output folder).
 *
 * Exactly once across crashes: a finished mini-batch's rows are written to parts/<id>.csv in the
 * job's checkpoint folder (temp file, fsync, rename) before its ledger line is appended (fsync);
 * a restarted driver skips every mini-batch with a ledger line, and the output file is assembled
 * from the parts of the `done` mini-batches only at the end. A failed mini-batch is retried up to
 * retry_settings.max_retries times, each call bounded by retry_settings.timeout seconds; failed
 * files past error_threshold stop the job (exit code 1).
 *
 * The job fails (exit code 1, no output_file_name) as on Azure ML when a worker's model or scoring
 * script cannot start (its import or init() raised: the user program failed, and no mini-batch can
 * fare better), and when no file of the input was scored (Azure's "no succeeded mini batch item
 * returned from run()"), whatever error_threshold says. The last line of stderr says why, with the
 * script's own error: it is what a reader of the job's log looks for first.
 *
 * On several nodes (`--nodes N`, resources.instance_count), one driver runs per node (NODE_RANK)
 * over the same checkpoint folder (the nodes share it: local or Slurm compute): node r scores the
 * mini-batches whose index is r modulo N and keeps its own ledger, ledger-<r>.jsonl; node 0 then
 * waits until the ledgers together cover every mini-batch, and writes the output and summary.
 *
 * A pipeline's parallel step (core/azureml/parallel-step-schema.ts) runs the same driver with no
 * model: its entry script is the scoring script, the words after `--` (its program_arguments) are
 * the script's sys.argv, `--output-file` is the file rows are appended to (append_row_to), and a
 * tabular input (`input_type: mltable`) is cut into mini-batches of about mini_batch_size bytes of
 * rows (core/endpoints/tabular-plan.ts), each given to run() as a pandas DataFrame.
 */
import { closeSync, fsyncSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatLedgerEntry,
  isOverErrorThreshold,
  parseLedger,
  pendingMiniBatches,
  planMiniBatches,
  shouldRetry,
  summarize,
  type LedgerEntry,
  type MiniBatch,
} from '../../core/endpoints/batch-plan.js';
import { chooseRuntime } from '../../core/endpoints/runtime-choice.js';
import { hasCode } from '../../core/error-codes.js';
import type { ScoringInstance } from '../scoring-instance.js';
import { ModelLoadError } from '../serving-errors.js';
import type { ServingLogger } from '../serving-logger.js';
import { startInstance } from '../worker-instance.js';
import { parse as parseYamlText } from 'yaml';
import { planTabularMiniBatches, readDelimitedTable, type TabularMiniBatch } from '../../core/endpoints/tabular-plan.js';

/** What the batch service hands the driver: the deployment's settings, as batch-deployment-schema normalizes them. */
export interface BatchDriverSettings {
  mini_batch_size: number;
  max_concurrency_per_instance: number;
  output_action: 'append_row' | 'summary_only';
  output_file_name?: string;
  retry_settings: { max_retries: number; timeout: number };
  error_threshold: number;
  logging_level: string;
  scoring_script?: string;
  environment_variables?: Record<string, string>;
  /** Failed mini-batches past this stop the job (-1, the default: never). */
  mini_batch_error_threshold?: number;
  /** `mltable`: the input is a table, cut by bytes of rows; otherwise a folder or file, cut by files. */
  input_type?: string;
}

interface Options {
  input: string;
  /** Score only this file of `input` (a uri_file input). */
  onlyFile?: string | undefined;
  /** The model's folder (a batch deployment); none for a parallel step, whose entry script is all there is. */
  model?: string | undefined;
  code: string | undefined;
  /** The output folder: output_file_name and batch-summary.json go there. */
  output?: string | undefined;
  /** The exact file rows are appended to (a parallel step's append_row_to); the summary then goes to the checkpoint folder. */
  outputFile?: string | undefined;
  /** The scoring script's command line (a parallel step's program_arguments). */
  scriptArguments?: string[] | undefined;
  checkpoints: string;
  settings: BatchDriverSettings;
  /** This node's rank and the node count (1: everything here). */
  node?: { rank: number; count: number } | undefined;
}

const readyTimeoutMs = 120_000;
// How much of a worker's log the job's log shows when its model or script could not start (the traceback).
const workerLogTailLines = 30;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      input: { type: 'string' },
      model: { type: 'string' },
      code: { type: 'string' },
      output: { type: 'string' },
      'output-file': { type: 'string' },
      settings: { type: 'string' },
      checkpoints: { type: 'string' },
      nodes: { type: 'string' },
    },
  });
  if (!values.input || !values.settings || (!values.model && !values.code)) {
    process.stderr.write(
      'usage: batch-driver --input <folder> (--model <folder> | --code <folder>) [--output <folder>] [--output-file <file>] --settings <base64 JSON> [--checkpoints <folder>] [-- <script arguments>]\n',
    );
    return 2;
  }
  const checkpoints =
    values.checkpoints ??
    process.env.TRELLIS_CHECKPOINT_DIR ??
    join(values.output ?? dirname(values['output-file'] ?? '.'), '.batch-state');
  const settings = JSON.parse(Buffer.from(values.settings, 'base64').toString('utf8')) as BatchDriverSettings;
  // A uri_file input: that one file, in its folder.
  const isFile = (await stat(values.input)).isFile();
  const input = isFile ? dirname(values.input) : values.input;
  const count = Number(values.nodes ?? '1');
  const rank = Number(process.env.NODE_RANK ?? '0');
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(rank) || rank < 0 || rank >= count) {
    process.stderr.write(
      `--nodes ${values.nodes} and NODE_RANK ${process.env.NODE_RANK} do not make a node of the job; --nodes is the instance count, NODE_RANK 0 .. count-1\n`,
    );
    return 2;
  }
  return runBatch({
    input,
    onlyFile: isFile ? basename(values.input) : undefined,
    model: values.model,
    code: values.code,
    output: values.output,
    outputFile: values['output-file'],
    scriptArguments: positionals,
    checkpoints,
    settings,
    node: { rank, count },
  });
}

/** Runs (or resumes) the batch; returns the process exit code. */
export async function runBatch(options: Options): Promise<number> {
  const { settings } = options;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const node = options.node ?? { rank: 0, count: 1 };
  // The job's failure: `detail` (a worker's log), then why, as the last line of stderr. Another
  // node's reason is also left for node 0, whose log is the job's (see reportOtherNodes).
  const fail = (reason: string, detail = '') => {
    process.stderr.write(`${detail}batch driver: ${reason}\n`);
    if (node.rank > 0)
      writeFileSync(
        join(options.checkpoints, `failure-${node.rank}.json`),
        JSON.stringify({ checkpoints: resolve(options.checkpoints), rank: node.rank, reason, detail }),
      );
    return 1;
  };
  // Each worker's current instance, to stop them when the driver is stopped.
  const instances = new Map<number, ScoringInstance>();
  // On several nodes, a node that fails ends the job, and node 0 is stopped (SIGTERM): it says why first.
  const onTerminate = () =>
    void Promise.all([reportOtherNodes(options.checkpoints), ...[...instances.values()].map((instance) => instance.stop(1_000))]).finally(
      () => process.exit(143),
    );
  if (node.count > 1 && node.rank === 0) process.once('SIGTERM', onTerminate);
  await mkdir(join(options.checkpoints, 'parts'), { recursive: true });
  // Where the summary (and a script's own files, AZUREML_BI_OUTPUT_PATH) go.
  const outputFolder = options.output ?? (options.outputFile ? dirname(options.outputFile) : options.checkpoints);
  const summaryFolder = options.output ?? options.checkpoints;
  await mkdir(outputFolder, { recursive: true });
  const tabular = settings.input_type === 'mltable' ? await readTable(options.input, settings.mini_batch_size) : undefined;
  if (tabular && 'error' in tabular) return fail(tabular.error);
  const files = tabular ? tabular.files : options.onlyFile === undefined ? await filesUnder(options.input) : [options.onlyFile];
  const plan: MiniBatch[] = tabular ? tabular.plan : planMiniBatches(files, settings.mini_batch_size);
  const ledgerPath = join(options.checkpoints, node.count === 1 ? 'ledger.jsonl' : `ledger-${node.rank}.jsonl`);
  const ledger = await readLedgers(options.checkpoints);
  const pending = pendingMiniBatches(plan, ledger).filter((batch) => batch.index % node.count === node.rank);
  const share = node.count === 1 ? '' : ` (node ${node.rank} of ${node.count}: every ${node.count}th mini-batch from ${node.rank})`;
  log(
    `${files.length} file(s) in ${plan.length} mini-batch(es) of ${settings.mini_batch_size}; ${ledger.size} finished before, ${pending.length} to score here with ${settings.max_concurrency_per_instance} worker(s)${share}`,
  );

  const choice = chooseRuntime(options.model ? await filesUnder(options.model) : [], settings.scoring_script);
  if ('error' in choice) return fail(choice.error);
  const isScript = choice.runtime === 'python-script' || choice.runtime === 'node-script';
  const ledgerFd = openSync(ledgerPath, 'a');
  const record = (entry: LedgerEntry) => {
    writeSync(ledgerFd, formatLedgerEntry(entry));
    fsyncSync(ledgerFd);
    ledger.set(entry.id, entry);
  };
  let failedFiles = summarize(plan, ledger).failedFiles;
  let failedBatches = summarize(plan, ledger).failed;
  let isStopped = isOverErrorThreshold(failedFiles, settings.error_threshold);
  // A worker whose model or script did not start: why, and its log (the traceback is there).
  let startFailure: { reason: string; logFile: string } | undefined;
  const queue = [...pending];
  const workerLog = (index: number) => join(options.checkpoints, 'logs', `worker-${index}.log`);
  const instanceSpec = (index: number, generation: number) => ({
    id: `batch/${index}.${generation}`,
    runtime: choice.runtime,
    // The job's model input is the model's own folder (or file), laid out by its name under the
    // input's folder: that folder is AZUREML_MODEL_DIR, as on Azure ML (`$AZUREML_MODEL_DIR/model/...`).
    modelDir: options.model ? dirname(resolve(options.model)) : (options.code ?? options.input),
    modelPath: options.model,
    codeDir: options.code,
    scoringScript: settings.scoring_script,
    scriptArguments: options.scriptArguments,
    python: process.env.TRELLIS_BATCH_PYTHON,
    env: { ...(settings.environment_variables ?? {}), AZUREML_BI_OUTPUT_PATH: outputFolder },
    logFile: workerLog(index),
    logger: stderrLogger,
  });
  await mkdir(join(options.checkpoints, 'logs'), { recursive: true });

  const worker = async (index: number) => {
    let generation = 0;
    let instance: ScoringInstance | undefined;
    const ready = async () => {
      if (instance && (instance.state === 'ready' || instance.state === 'loading')) {
        await instance.ready(readyTimeoutMs);
        return instance;
      }
      instance = startInstance(instanceSpec(index, generation++));
      instances.set(index, instance);
      await instance.ready(readyTimeoutMs);
      return instance;
    };
    try {
      for (let batch = queue.shift(); batch && !isStopped; batch = queue.shift()) {
        let attempts = 0;
        let lastError = '';
        while (true) {
          attempts++;
          try {
            const current = await ready().catch((error: unknown) => {
              if (error instanceof ModelLoadError) return undefined;
              throw error;
            });
            if (!current) {
              // Not this mini-batch's fault, and no other would fare better: the job stops with nothing recorded, so a retried attempt scores it.
              startFailure ??= {
                reason: describeStartFailure(instance?.failure ?? 'the model could not load', settings.scoring_script),
                logFile: workerLog(index),
              };
              isStopped = true;
              log(`worker ${index}: ${startFailure.reason}; stopping`);
              break;
            }
            const timeoutMs = settings.retry_settings.timeout * 1000;
            const rows = isScript
              ? await runScript(current, options, batch, timeoutMs, tabular?.delimiter)
              : await scoreMiniBatch(current, options, batch, timeoutMs);
            await writePart(options.checkpoints, batch, rows);
            // A script that returns fewer rows than it got files failed the rest, as Azure counts it (a table's rows are not files).
            const failedItems = isScript && !tabular ? Math.max(0, batch.files.length - rows.length) : 0;
            record({ id: batch.id, status: 'done', rows: rows.length, attempts, ...(failedItems > 0 ? { failedItems } : {}) });
            if (failedItems > 0) {
              log(
                `mini-batch ${batch.id}: run() returned ${rows.length} row(s) for ${batch.files.length} file(s); ${failedItems} counted as failed`,
              );
              failedFiles += failedItems;
              if (isOverErrorThreshold(failedFiles, settings.error_threshold)) {
                isStopped = true;
                log(`${failedFiles} failed file(s) is past error_threshold ${settings.error_threshold}: stopping`);
              }
            }
            break;
          } catch (error) {
            lastError = (error as Error).message;
            log(`mini-batch ${batch.id} attempt ${attempts} failed: ${lastError}`);
            if (!shouldRetry(attempts, settings.retry_settings.max_retries)) {
              const items = batch.items ?? batch.files.length;
              record({ id: batch.id, status: 'failed', files: items, attempts, error: lastError });
              failedFiles += items;
              failedBatches += 1;
              if (isOverErrorThreshold(failedFiles, settings.error_threshold)) {
                isStopped = true;
                log(`${failedFiles} failed file(s) is past error_threshold ${settings.error_threshold}: stopping`);
              } else if (isOverErrorThreshold(failedBatches, settings.mini_batch_error_threshold ?? -1)) {
                isStopped = true;
                log(
                  `${failedBatches} failed mini-batch(es) is past mini_batch_error_threshold ${settings.mini_batch_error_threshold}: stopping`,
                );
              }
              break;
            }
          }
        }
        if (settings.logging_level === 'debug') log(`mini-batch ${batch.id} finished`);
      }
    } finally {
      await instance?.stop(2_000);
    }
  };
  await Promise.all(Array.from({ length: settings.max_concurrency_per_instance }, (_, index) => worker(index)));
  closeSync(ledgerFd);
  if (startFailure) return fail(startFailure.reason, await logTail(startFailure.logFile, workerLogTailLines));
  if (node.rank > 0) {
    if (isStopped) return fail(`${failedFiles} failed file(s) is past error_threshold ${settings.error_threshold}`);
    log(`node ${node.rank}: its share is done; node 0 writes the output`);
    return 0;
  }
  if (node.count > 1 && !isStopped) {
    const whole = await waitForOtherNodes(options.checkpoints, plan, settings.error_threshold, log);
    for (const [id, entry] of whole.ledger) ledger.set(id, entry);
    isStopped = whole.isStopped;
  }

  const summary = summarize(plan, ledger);
  // As Azure ML: files given and none scored fails the job even under error_threshold -1.
  // Items: files, or a table's rows (what failedFiles counts).
  const items = plan.reduce((sum, batch) => sum + (batch.items ?? batch.files.length), 0);
  const isNoneScored = items > 0 && summary.pending === 0 && summary.failedFiles >= items;
  await writeFile(join(summaryFolder, 'batch-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (settings.output_action === 'append_row' && !isStopped && !isNoneScored)
    await assembleOutput(options, plan, ledger, isScript ? '' : 'file,row,prediction\n');
  log(`${summary.succeeded} mini-batch(es) scored (${summary.rows} rows), ${summary.failed} failed (${summary.failedFiles} files)`);
  const firstError = summary.errors[0]
    ? `; the first error: ${summary.errors[0].error}`
    : isScript
      ? '; run() returned fewer rows than it was given files'
      : '';
  if (isStopped)
    return fail(
      summary.failedFiles > settings.error_threshold && settings.error_threshold >= 0
        ? `${summary.failedFiles} failed file(s) is past error_threshold ${settings.error_threshold}${firstError}`
        : `${summary.failed} failed mini-batch(es) is past mini_batch_error_threshold ${settings.mini_batch_error_threshold}${firstError}`,
    );
  if (isNoneScored)
    return fail(`no mini-batch succeeded: all ${tabular ? `${items} row(s)` : `${files.length} file(s)`} failed${firstError}`);
  if (summary.pending > 0) return fail(`${summary.pending} mini-batch(es) were not scored`);
  process.off('SIGTERM', onTerminate);
  return 0;
}

/** What goes wrong around a worker (its log unwritable, a signal not sent) goes to stderr: the driver's stderr is the job's log. */
const stderrLogger: ServingLogger = {
  warn: (details, message) => {
    process.stderr.write(`batch driver: ${message}${details.err instanceof Error ? ` (${details.err.message})` : ''}\n`);
  },
};

/** Node 0, stopped: what the other nodes of this attempt left when they failed (a restored checkpoint's are another attempt's). */
async function reportOtherNodes(checkpoints: string): Promise<void> {
  // It runs as the driver is being stopped: what cannot be read is said on stderr (the job's log), not thrown.
  const unread = (what: string) => (error: unknown) => {
    if (!hasCode(error, 'ENOENT'))
      process.stderr.write(
        `batch driver: ${what} could not be read (${(error as Error).message}); other nodes' failures may be missing here\n`,
      );
  };
  const names = ((await readdir(checkpoints).catch(unread(checkpoints))) ?? []).filter((name) => /^failure-\d+\.json$/.test(name)).sort();
  for (const name of names) {
    // ENOENT: the node's file went with its checkpoint folder; nothing to report for it.
    const text = await readFile(join(checkpoints, name), 'utf8').catch(unread(join(checkpoints, name)));
    if (text === undefined) continue;
    const failure = JSON.parse(text) as {
      checkpoints?: string;
      rank?: number;
      reason?: string;
      detail?: string;
    };
    if (failure.checkpoints !== resolve(checkpoints) || !failure.reason) continue;
    process.stderr.write(`${failure.detail ?? ''}batch driver: node ${failure.rank} failed: ${failure.reason}\n`);
  }
}

/** A start failure as the job's reason: a script's import or init() raised, or a model without code did not load. */
function describeStartFailure(reason: string, scoringScript: string | undefined): string {
  if (scoringScript === undefined) return reason;
  return `the scoring script ${scoringScript} did not start (its import or init() failed): ${reason.replace(/^the model could not load: /, '')}`;
}

/** The last `count` lines of a worker's log, for the job's log. */
async function logTail(path: string, count: number): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // ENOENT: the worker wrote nothing; anything else is said where its lines would have been.
    if (hasCode(error, 'ENOENT')) return '';
    return `the worker's log (${path}) could not be read: ${(error as Error).message}\n`;
  }
  const lines = text.split('\n').filter(Boolean);
  return lines.length === 0 ? '' : `the worker's log (${path}), last lines:\n${lines.slice(-count).join('\n')}\n`;
}

/** Every ledger of the checkpoint folder (ledger.jsonl, and one per node of a multi-node job), merged. */
async function readLedgers(checkpoints: string): Promise<Map<string, LedgerEntry>> {
  // ENOENT: no checkpoint folder yet, so nothing finished before; anything else fails the driver rather than redo finished work.
  const names = (
    await readdir(checkpoints).catch((error: unknown) => {
      if (hasCode(error, 'ENOENT')) return [] as string[];
      throw error;
    })
  )
    .filter((name) => /^ledger(-\d+)?\.jsonl$/.test(name))
    .sort();
  const texts = await Promise.all(names.map((name) => readFile(join(checkpoints, name), 'utf8')));
  return parseLedger(texts.join('\n'));
}

/** Node 0, its own share done: the other nodes' ledgers, read until every mini-batch is in one (or failures stop the job). */
async function waitForOtherNodes(
  checkpoints: string,
  plan: readonly MiniBatch[],
  errorThreshold: number,
  log: (line: string) => void,
): Promise<{ ledger: Map<string, LedgerEntry>; isStopped: boolean }> {
  let reported = -1;
  for (;;) {
    const ledger = await readLedgers(checkpoints);
    const summary = summarize(plan, ledger);
    if (isOverErrorThreshold(summary.failedFiles, errorThreshold)) {
      log(`${summary.failedFiles} failed file(s) on all nodes is past error_threshold ${errorThreshold}: stopping`);
      return { ledger, isStopped: true };
    }
    if (summary.pending === 0) return { ledger, isStopped: false };
    if (summary.pending !== reported) {
      reported = summary.pending;
      log(`waiting for the other nodes: ${summary.pending} mini-batch(es) left`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** run(mini_batch) of a scoring script, with the files' absolute paths (or a table's rows); its rows as they came. */
async function runScript(
  instance: ScoringInstance,
  options: Options,
  batch: MiniBatch | TabularMiniBatch,
  timeoutMs: number,
  delimiter: string | undefined,
): Promise<string[]> {
  const body = Buffer.from(
    JSON.stringify(
      'text' in batch
        ? { table: { text: batch.text, delimiter, ...(batch.columns ? { columns: batch.columns } : {}) } }
        : batch.files.map((file) => join(options.input, file)),
    ),
  );
  const answer = await instance.call({ protocol: 'mini-batch', body }, timeoutMs);
  const text = answer.body.toString('utf8');
  if (answer.status !== 200) throw new Error(`run(mini_batch) failed: ${answerError(text)}`);
  return (JSON.parse(text) as { rows: string[] }).rows;
}

/** One call for the mini-batch's rows; the answer is split back into one output row per input row. */
async function scoreMiniBatch(instance: ScoringInstance, options: Options, batch: MiniBatch, timeoutMs: number): Promise<string[]> {
  const owners: Array<{ file: string; row: number }> = [];
  const data: unknown[][] = [];
  for (const file of batch.files) {
    const rows = parseCsv(await readFile(join(options.input, file), 'utf8'));
    rows.forEach((row, index) => {
      owners.push({ file, row: index });
      data.push(row);
    });
  }
  if (data.length === 0) return [];
  const answer = await instance.call(
    { protocol: 'score', contentType: 'application/json', body: Buffer.from(JSON.stringify({ data })) },
    timeoutMs,
  );
  const text = answer.body.toString('utf8');
  if (answer.status !== 200) throw new Error(`the model answered ${answer.status}: ${answerError(text)}`);
  const predictions = splitAnswer(JSON.parse(text) as unknown, data.length);
  return owners.map((owner, index) => [csvCell(owner.file), String(owner.row), csvCell(JSON.stringify(predictions[index]))].join(','));
}

/** A worker's error answer ({"error": message}) as its message; anything else, its start. */
function answerError(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') return error;
  } catch {
    // Not JSON: shown as it is.
  }
  return text.slice(0, 300);
}

/** An array answers row by row; an object of per-row arrays (several outputs) gives each row an object. */
export function splitAnswer(answer: unknown, rows: number): unknown[] {
  if (Array.isArray(answer) && answer.length === rows) return answer;
  if (typeof answer === 'object' && answer !== null && !Array.isArray(answer)) {
    const entries = Object.entries(answer as Record<string, unknown>);
    if (entries.every(([, value]) => Array.isArray(value) && value.length === rows)) {
      return Array.from({ length: rows }, (_, index) =>
        Object.fromEntries(entries.map(([key, value]) => [key, (value as unknown[])[index]])),
      );
    }
  }
  throw new Error(`the model's answer does not hold one prediction per row (${rows} rows sent)`);
}

/**
 * A CSV file's rows, typed per column as pandas reads a file (Azure ML's MLflow batch scoring does):
 * a column whose cells are all numbers holds numbers (an empty cell is null), any other column
 * holds strings, so `thal` values `normal` and `2` stay strings alike. A first line that is not
 * all numbers is a header.
 */
export function parseCsv(text: string): unknown[][] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const rows = lines.map((line) => line.split(',').map((cell) => cell.trim()));
  const isNumeric = (cell: string) => cell !== '' && Number.isFinite(Number(cell));
  if (rows.length > 0 && !rows[0]!.every(isNumeric)) rows.shift();
  const width = rows.reduce((widest, row) => Math.max(widest, row.length), 0);
  const isNumberColumn = Array.from({ length: width }, (_, column) => {
    const cells = rows.map((row) => row[column] ?? '').filter((cell) => cell !== '');
    return cells.length > 0 && cells.every(isNumeric);
  });
  return rows.map((row) => row.map((cell, column) => (isNumberColumn[column] ? (cell === '' ? null : Number(cell)) : cell)));
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The mini-batch's output rows, durably, under a name only a finished write has. */
async function writePart(checkpoints: string, batch: MiniBatch, rows: string[]): Promise<void> {
  const path = join(checkpoints, 'parts', `${batch.id}.csv`);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, rows.map((row) => `${row}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await rename(temporary, path);
}

/** output_file_name: the header (none for a script's rows), then the parts of the finished mini-batches in plan order. */
async function assembleOutput(
  options: Options,
  plan: readonly MiniBatch[],
  ledger: ReadonlyMap<string, LedgerEntry>,
  header: string,
): Promise<void> {
  const target = options.outputFile ?? join(options.output ?? options.checkpoints, options.settings.output_file_name ?? 'predictions.csv');
  const temporary = `${target}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    if (header) writeSync(fd, header);
    for (const batch of plan) {
      if (ledger.get(batch.id)?.status !== 'done') continue;
      writeSync(fd, await readFile(join(options.checkpoints, 'parts', `${batch.id}.csv`)));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await rename(temporary, target);
}

/**
 * A tabular input: the MLTable file in `input` read (its delimited files, in the order it lists
 * them, a folder's sorted), and the rows cut into mini-batches of about `sizeBytes`; or why not.
 */
async function readTable(
  input: string,
  sizeBytes: number,
): Promise<{ files: string[]; plan: TabularMiniBatch[]; delimiter: string } | { error: string }> {
  const folder = (await stat(input)).isFile() ? dirname(input) : input;
  let text: string;
  try {
    text = await readFile(join(folder, 'MLTable'), 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT'))
      return { error: `the mltable input ${folder} has no MLTable file; give a folder with an MLTable file, or a uri_folder input` };
    throw error;
  }
  const table = readDelimitedTable(parseYamlText(text) as unknown);
  if ('error' in table) return table;
  const files: string[] = [];
  for (const path of table.paths) {
    if ('file' in path) files.push(relative(folder, resolve(folder, path.file)));
    else
      files.push(
        ...(await filesUnder(resolve(folder, path.folder))).sort().map((file) => relative(folder, resolve(folder, path.folder, file))),
      );
  }
  const texts = await Promise.all(files.map(async (name) => ({ name, text: await readFile(join(folder, name), 'utf8') })));
  return { files, plan: planTabularMiniBatches(table, texts, sizeBytes), delimiter: table.delimiter };
}

/** Every file under `root`, relative, `/` separators; a file given as the root lists itself. */
async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root.split('/').pop()!];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

// Run as a program (not when imported by a test).
if (process.argv[1] && /batch-driver\.[jt]s$/.test(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`batch driver: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
