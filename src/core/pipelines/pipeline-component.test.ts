import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPipelineComponents } from './pipeline-component.js';

const command = (extra: Record<string, unknown>) => ({ command: 'echo', environment: 'azureml:trellis-python@latest', ...extra });

describe('pipeline components', () => {
  it("expand into <step>.<inner> steps, the component's parent bindings replaced by what the step gives", () => {
    const { value, problems } = expandPipelineComponents({
      type: 'pipeline',
      inputs: { rows: { type: 'uri_folder', path: './data' }, node: 'cpu-cluster' },
      outputs: { model: { type: 'uri_folder' } },
      jobs: {
        prep: {
          type: 'pipeline',
          component: {
            type: 'pipeline',
            inputs: { raw: { type: 'uri_folder' }, ratio: { type: 'number', default: 0.2 }, extra: { type: 'string', optional: true } },
            outputs: { clean: { type: 'uri_folder' } },
            jobs: {
              read: command({
                inputs: { raw: '${{parent.inputs.raw}}', ratio: '${{parent.inputs.ratio}}', extra: '${{parent.inputs.extra}}' },
                outputs: { out: null },
              }),
              clean: command({ inputs: { data: '${{parent.jobs.read.outputs.out}}' }, outputs: { out: '${{parent.outputs.clean}}' } }),
            },
          },
          inputs: { raw: '${{parent.inputs.rows}}' },
        },
        train: command({
          compute: '${{parent.inputs.node}}',
          inputs: { data: '${{parent.jobs.prep.outputs.clean}}' },
          outputs: { model: '${{parent.outputs.model}}' },
        }),
      },
    });
    assert.deepEqual(problems, []);
    const jobs = value.jobs as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(jobs), ['prep.read', 'prep.clean', 'train']);
    // The step's binding, the component's default, an optional input given nothing left out.
    assert.deepEqual(jobs['prep.read']!.inputs, { raw: '${{parent.inputs.rows}}', ratio: 0.2 });
    assert.deepEqual(jobs['prep.clean']!.inputs, { data: '${{parent.jobs.prep.read.outputs.out}}' });
    // Not bound above: a plain output of the component's declared type.
    assert.deepEqual(jobs['prep.clean']!.outputs, { out: { type: 'uri_folder' } });
    // The next step reads the inner step that writes the component's output; compute from the pipeline's input.
    assert.deepEqual(jobs.train!.inputs, { data: '${{parent.jobs.prep.clean.outputs.out}}' });
    assert.equal(jobs.train!.compute, 'cpu-cluster');
  });

  it('nest, and name what is wrong: a required input given nothing, an output the component lacks', () => {
    const inner = {
      type: 'pipeline',
      inputs: { x: { type: 'string' } },
      outputs: { o: { type: 'uri_folder' } },
      jobs: { leaf: command({ inputs: { x: '${{parent.inputs.x}}' }, outputs: { out: '${{parent.outputs.o}}' } }) },
    };
    const nested = expandPipelineComponents({
      jobs: {
        outer: {
          type: 'pipeline',
          component: {
            type: 'pipeline',
            outputs: { top: { type: 'uri_folder' } },
            jobs: { mid: { type: 'pipeline', component: inner, inputs: { x: 'hi' }, outputs: { o: '${{parent.outputs.top}}' } } },
          },
        },
        reader: command({ inputs: { data: '${{parent.jobs.outer.outputs.top}}' } }),
      },
    });
    assert.deepEqual(nested.problems, []);
    const jobs = nested.value.jobs as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(jobs), ['outer.mid.leaf', 'reader']);
    assert.deepEqual(jobs['outer.mid.leaf']!.inputs, { x: 'hi' });
    assert.deepEqual(jobs.reader!.inputs, { data: '${{parent.jobs.outer.mid.leaf.outputs.out}}' });

    const broken = expandPipelineComponents({ jobs: { step: { type: 'pipeline', component: inner, outputs: { nope: null } } } });
    assert.deepEqual(
      broken.problems.map((problem) => [problem.pointer.join('.'), problem.message.split(';')[0]]),
      [
        ['jobs.step.outputs.nope', "pipeline component step has no output 'nope'"],
        ['jobs.step.inputs.x', "input 'x' of pipeline component step is required (string)"],
      ],
    );
  });
});
