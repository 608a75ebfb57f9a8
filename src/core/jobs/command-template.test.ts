import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCommand, findReferences, renderCommand } from './command-template.js';

describe('command placeholders', () => {
  const declared = {
    inputs: { data: { provided: true }, epochs: { optional: true, provided: false }, lr: { provided: true } },
    outputs: ['model'],
  };

  it('finds inputs and outputs, marking those inside $[[ ]] optional', () => {
    const { references, problems } = findReferences(
      'python train.py --data ${{inputs.data}} $[[--epochs ${{ inputs.epochs }}]] --out ${{outputs.model}}',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(references, [
      { namespace: 'inputs', name: 'epochs', optional: true },
      { namespace: 'inputs', name: 'data', optional: false },
      { namespace: 'outputs', name: 'model', optional: false },
    ]);
  });

  it('accepts a command whose references are all declared', () => {
    assert.deepEqual(checkCommand('python train.py ${{inputs.data}} $[[--epochs ${{inputs.epochs}}]] ${{outputs.model}}', declared), []);
  });

  it('refuses an undeclared input or output, naming what is declared', () => {
    const problems = checkCommand('python train.py ${{inputs.y}} ${{outputs.weights}}', declared);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!.message, /inputs\.y.*not declared; declared inputs: data, epochs, lr/);
    assert.match(problems[1]!.message, /outputs\.weights.*declared outputs: model/);
  });

  it('refuses an optional input without a value used outside $[[ ]]', () => {
    const problems = checkCommand('python train.py --epochs ${{inputs.epochs}}', declared);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, 'inputs.epochs');
    assert.match(problems[0]!.message, /wrap its part of the command in \$\[\[/);
  });

  it('refuses placeholders of other namespaces and unclosed optional blocks', () => {
    assert.match(checkCommand('echo ${{search_space.lr}}', declared)[0]!.message, /not a placeholder Trellis can fill/);
    assert.match(
      checkCommand('echo $[[--x ${{inputs.lr}}', declared)
        .map((p) => p.message)
        .join(' '),
      /not closed/,
    );
  });

  it('renders values and drops optional blocks whose inputs are missing', () => {
    const rendered = renderCommand(
      'python train.py --data ${{inputs.data}} $[[--epochs ${{inputs.epochs}}]] --lr ${{inputs.lr}} --out ${{outputs.model}}',
      {
        inputs: { data: '/mnt/in/data', lr: '0.01' },
        outputs: { model: '/mnt/out/model' },
      },
    );
    assert.equal(rendered, 'python train.py --data /mnt/in/data --lr 0.01 --out /mnt/out/model');
    const withEpochs = renderCommand('python train.py $[[--epochs ${{inputs.epochs}}]]', { inputs: { epochs: '5' }, outputs: {} });
    assert.equal(withEpochs, 'python train.py --epochs 5');
    // Spacing the user wrote is kept as written.
    assert.equal(renderCommand('echo "a  b" ${{inputs.lr}}', { inputs: { lr: '1' }, outputs: {} }), 'echo "a  b" 1');
  });

  it('throws when asked to render a reference with no value (a bug, not user input)', () => {
    assert.throws(() => renderCommand('echo ${{inputs.nope}}', { inputs: {}, outputs: {} }), /checkCommand should have refused/);
  });
});
