import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSchema, computeTypes } from './compute-schema.js';
import { describeIssue } from './zod-problems.js';

/** `path: message` for each problem, as parse-resource-file reports them. */
function problemsOf(value: unknown): string[] {
  const result = computeSchema.safeParse(value, { error: describeIssue });
  assert.ok(!result.success, 'expected the compute to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('computeSchema: type slurm (a Trellis extension)', () => {
  it('needs only a name, and runs sbatch on this machine by default', () => {
    assert.deepEqual(computeSchema.parse({ name: 'hpc', type: 'slurm' }), { name: 'hpc', type: 'slurm', login: 'local' });
  });

  it('takes the partition, account, node limit and size, matching the type ignoring case', () => {
    const compute = {
      name: 'hpc',
      type: 'Slurm',
      partition: 'gpu',
      account: 'ml-team',
      nodes_max: '8',
      login: 'local',
      size: 'standard_ds2_v2',
      description: 'the lab cluster',
      tags: { team: 'ml' },
    };
    assert.deepEqual(computeSchema.parse(compute), { ...compute, type: 'slurm', nodes_max: 8 });
  });

  it('refuses what sbatch cannot take, an unknown size, a remote login and unknown fields, all at once', () => {
    const problems = problemsOf({
      name: 'hpc',
      type: 'slurm',
      partition: 'gpu; rm -rf /',
      account: 'a b',
      nodes_max: 0,
      login: 'ssh',
      size: 'DS3_v2',
      node_max: 4,
    });
    assert.deepEqual(
      problems.map((problem) => problem.split(':')[0]),
      ['partition', 'account', 'nodes_max', 'login', 'size', 'node_max'],
    );
    assert.match(problems[0]!, /may hold only letters, digits and \. _ , -/);
    assert.match(problems[2]!, /must be 1 or more/);
    assert.match(problems[3]!, /must be 'local'.*login node/);
    assert.match(problems[4]!, /did you mean 'Standard_DS3_v2'/);
    assert.match(problems[5]!, /unknown field 'node_max'; did you mean 'nodes_max'\?/);
  });

  it('lists slurm among the types when the type is unknown', () => {
    assert.ok(computeTypes.includes('slurm'));
    assert.deepEqual(problemsOf({ name: 'c', type: 'pbs' }), [`type: type must be one of ${computeTypes.join(', ')}`]);
  });
});
