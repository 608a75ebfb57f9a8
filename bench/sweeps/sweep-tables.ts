/** The tables BENCHMARKS.md records for bench/sweeps.ts, as markdown lines. */
import type { SweepBenchOptions, SweepBenchResult } from '../sweeps.js';
import { problems, quantile, type StudyOutcome } from './sampler-quality.js';

const samplers = [
  ['optuna-tpe', 'Optuna TPESampler (default)'],
  ['bayesian', 'Trellis bayesian'],
  ['tpe', 'Trellis tpe'],
] as const;

const figure = (value: number) => value.toPrecision(6);

export function sweepTables(result: SweepBenchResult, options: Pick<SweepBenchOptions, 'seeds' | 'trials'>): string[] {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  if (result.studies.length > 0) {
    out(
      `\n## Sweeps (1): best objective after ${options.trials} trials, median over ${options.seeds} seeds (goal: Trellis bayesian or tpe at least as good as Optuna's TPE on each)\n`,
    );
    out('| problem (goal) | sampler | median best | IQR (25%–75%) | min – max | sampler ms / trial | wall s / study |');
    out('| --- | --- | --- | --- | --- | --- | --- |');
    const medians = new Map<string, number>();
    for (const problem of problems)
      for (const [sampler, label] of samplers) {
        const studies = result.studies.filter((study: StudyOutcome) => study.problem === problem.name && study.sampler === sampler);
        if (studies.length === 0) continue;
        const bests = studies.map((study) => study.best);
        const median = quantile(bests, 0.5);
        medians.set(`${problem.name}/${sampler}`, median);
        const samplerMs =
          studies[0]?.samplerMsPerTrial === undefined
            ? '—'
            : (studies.reduce((sum, s) => sum + (s.samplerMsPerTrial ?? 0), 0) / studies.length).toFixed(1);
        const seconds = studies.reduce((sum, study) => sum + study.seconds, 0) / studies.length;
        out(
          `| ${problem.name} (${problem.goal}) | ${label} | ${figure(median)} | ${figure(quantile(bests, 0.25))} – ${figure(quantile(bests, 0.75))} | ${figure(Math.min(...bests))} – ${figure(Math.max(...bests))} | ${samplerMs} | ${seconds.toFixed(1)} |`,
        );
      }
    out('\n| problem | Optuna TPE median | Trellis bayesian | Trellis tpe | goal met |');
    out('| --- | --- | --- | --- | --- |');
    for (const problem of problems) {
      const optuna = medians.get(`${problem.name}/optuna-tpe`) ?? Number.NaN;
      const atLeastAsGood = (value: number) => (problem.goal === 'minimize' ? value <= optuna : value >= optuna);
      const cell = (sampler: string) => {
        const value = medians.get(`${problem.name}/${sampler}`) ?? Number.NaN;
        return `${figure(value)} (${atLeastAsGood(value) ? 'as good or better' : 'worse'})`;
      };
      const met = ['bayesian', 'tpe'].some((sampler) => atLeastAsGood(medians.get(`${problem.name}/${sampler}`) ?? Number.NaN));
      out(`| ${problem.name} | ${figure(optuna)} | ${cell('bayesian')} | ${cell('tpe')} | ${met ? 'yes' : 'no'} |`);
    }
  }
  if (result.realSweeps.length > 0) {
    out(
      '\n| real sweep (bayesian, seed 0, 1 at a time) | trials | best | in-process seed-0 best | same objectives as in process | equal | sweep wall time |',
    );
    out('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of result.realSweeps)
      out(
        `| ${row.problem} | ${row.trials} | ${row.best === null ? '—' : figure(row.best)} | ${figure(row.inProcessBest)} | first ${row.samePrefix} of ${row.trials} | ${row.best === row.inProcessBest ? 'yes' : 'no'} | ${row.seconds.toFixed(0)} s |`,
      );
  }
  if (result.early.length > 0) {
    const none = result.early.find((row) => row.policy === 'none');
    out(
      '\n## Sweeps (2): early termination, the same random-sampled learning-curve sweep with each policy (goal: ≥ 40% of trial-steps saved at an equal best)\n',
    );
    out(
      '| policy | settings | trials | stopped early | trial-steps (reports) | saved | best val_error | best − none | sweep wall time | goal met |',
    );
    out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of result.early) {
      const saved = none ? 1 - row.steps / none.steps : Number.NaN;
      const gap = none?.best !== null && none?.best !== undefined && row.best !== null ? row.best - none.best : Number.NaN;
      // One validation example of the 540 is 0.00185: within that, the best is "equal".
      const equal = Math.abs(gap) <= 1 / 540 + 1e-12;
      const met = row.policy === 'none' ? '—' : saved >= 0.4 && equal ? 'yes' : 'no';
      out(
        `| ${row.policy} | ${row.settings || '—'} | ${row.trials} | ${row.stopped} | ${row.steps} | ${row.policy === 'none' ? '—' : `${(saved * 100).toFixed(1)}%`} | ${row.best === null ? '—' : row.best.toFixed(4)} | ${row.policy === 'none' ? '—' : gap.toFixed(4)} | ${row.seconds.toFixed(0)} s | ${met} |`,
      );
    }
  }
  if (result.own && result.overhead.length > 0) {
    const own = result.own;
    out("\n## Sweeps (3): the sweep's own overhead per trial, trivial trials (goal: ≤ 50 ms p50)\n");
    out(
      `Own work of \`python -c pass 0.5\` spawned directly (${own.python}): p50 ${own.p50.toFixed(1)} ms, mean ${own.mean.toFixed(1)} ms.\n`,
    );
    out(
      '| max_concurrent_trials | trials | sweep state | submit → sweep endedAt | added per trial, p50 | mean | max | goal ≤ 50 ms p50 met |',
    );
    out('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of result.overhead)
      out(
        `| ${row.concurrency} | ${row.trials} | ${row.state} | ${(row.totalMs / 1000).toFixed(2)} s | ${row.added.p50.toFixed(1)} ms | ${row.added.mean.toFixed(1)} ms | ${row.added.max.toFixed(1)} ms | ${row.concurrency === 1 ? `${row.added.p50 <= 50 ? 'yes' : 'no'} (${(row.added.p50 / 50).toFixed(2)}× the goal)` : '—'} |`,
      );
    for (const row of result.overhead.filter((item) => item.phases)) {
      out(
        `\n| where the time between two trial ends goes, ${row.concurrency} at a time (job events, server clock, ms) | p50 | mean | max |`,
      );
      out('| --- | --- | --- | --- |');
      for (const phase of row.phases ?? [])
        out(`| ${phase.label} | ${phase.summary.p50.toFixed(1)} | ${phase.summary.mean.toFixed(1)} | ${phase.summary.max.toFixed(1)} |`);
    }
  }
  return lines;
}
