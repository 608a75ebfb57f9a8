import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../yaml/parse-yaml.js';
import { createJobSource, scheduleSchema } from './schedule-schema.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

const problemsOf = (text: string) => {
  const yaml = parseYaml(text, 'schedule.yml');
  const result = scheduleSchema.safeParse(yaml.value, { error: describeIssue });
  return result.success
    ? []
    : problemsFromIssues(result.error.issues, yaml.locate)
        .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
        .map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`);
};
const trigger = 'trigger: {type: cron, expression: "0 * * * *"}';

describe('the schedule file', () => {
  it('takes create_job as a job file, an existing job, a mapping with overrides, or an inline job', () => {
    const parse = (createJob: string) => {
      const result = scheduleSchema.safeParse(parseYaml(`name: s\n${trigger}\n${createJob}\n`, 'schedule.yml').value);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
      return createJobSource(result.data.create_job ?? '');
    };
    assert.deepEqual(parse('create_job: ./job.yml'), { kind: 'reference', reference: './job.yml', overrides: {} });
    assert.deepEqual(parse('create_job: azureml:my-job'), { kind: 'reference', reference: 'azureml:my-job', overrides: {} });
    assert.deepEqual(parse('create_job: {type: pipeline, job: ./p.yml, settings: {continue_on_step_failure: true}, tags: {a: 1}}'), {
      kind: 'reference',
      reference: './p.yml',
      overrides: { type: 'pipeline', settings: { continue_on_step_failure: true }, tags: { a: 1 } },
    });
    assert.deepEqual(parse('create_job: {type: command, command: echo hi, environment: azureml:env:1}'), {
      kind: 'inline',
      job: { type: 'command', command: 'echo hi', environment: 'azureml:env:1' },
    });
  });

  it('names every problem with its line: the name, an unknown field, a create_job without type or with a bad override', () => {
    assert.deepEqual(
      problemsOf(
        [
          'name: "bad name"',
          trigger,
          'create_job:',
          '  job: ./job.yml',
          '  compute_target: x',
          'is_enabled: maybe',
          'trigers: {}',
          '',
        ].join('\n'),
      ),
      [
        "1: name: use letters, digits, '-' or '_', starting with a letter or digit (200 at most)",
        "5: create_job.compute_target: unknown field 'compute_target'; did you mean 'compute'?",
        "6: is_enabled: expected true or false, got the string 'maybe'",
        "7: trigers: unknown field 'trigers'; did you mean 'trigger'?",
      ],
    );
    assert.deepEqual(problemsOf(`name: s\n${trigger}\ncreate_job: {command: echo hi}\n`), [
      '3: create_job.type: an inline job needs its type: command or pipeline; or give job: ./job.yml or job: azureml:<job name>',
    ]);
    assert.match(problemsOf('name: s\ncreate_job: ./job.yml\n').join('\n'), /trigger/);
  });
});
