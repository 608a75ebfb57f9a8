import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import {
  layerFiles,
  parseCiSystem,
  parseTemplate,
  planWrites,
  projectNames,
  renderPath,
  renderText,
  templateLayers,
} from './project-template.js';

const names = projectNames('My Churn_Model 2', 'ada.l');

describe('project templates', () => {
  it('names the project, its Python package and the notebook owner from the folder and the user', () => {
    assert.deepEqual(names, { project: 'my-churn-model-2', package: 'my_churn_model_2', user: 'ada.l' });
    assert.equal(projectNames('2024-forecast', '').project, 'forecast', 'a package cannot start with a digit');
    assert.deepEqual(projectNames('___', 'x/y'), { project: 'project', package: 'project', user: 'x-y' });
  });

  it('fills in its own placeholders and leaves Azure ML and CI expressions alone', () => {
    const text = 'name: {{project}}-env\ncommand: python -m {{package}}.train ${{inputs.alpha}} ${{ github.run_id }} {{other}}';
    assert.equal(
      renderText(text, names),
      'name: my-churn-model-2-env\ncommand: python -m my_churn_model_2.train ${{inputs.alpha}} ${{ github.run_id }} {{other}}',
    );
    assert.equal(renderPath('notebooks/{{user}}/_gitignore', names), 'notebooks/ada.l/.gitignore');
  });

  it('layers the chosen template and CI system over the common files', () => {
    assert.deepEqual(templateLayers('classical', 'github'), ['common', 'ci-github']);
    assert.deepEqual(templateLayers('batch', 'azure-devops'), ['common', 'batch', 'ci-azure-devops']);
    const merged = layerFiles([
      [
        { path: 'b', content: '1' },
        { path: 'a', content: '1' },
      ],
      [{ path: 'b', content: '2' }],
    ]);
    assert.deepEqual(merged, [
      { path: 'a', content: '1' },
      { path: 'b', content: '2' },
    ]);
  });

  it('refuses an unknown template or CI system, naming the choices', () => {
    assert.throws(() => parseTemplate('streaming'), /unknown template 'streaming'; choose one of: classical, batch, realtime/);
    assert.throws(() => parseCiSystem('jenkins'), /choose one of: github, azure-devops/);
    assert.equal(parseTemplate('realtime'), 'realtime');
  });

  it('refuses a folder that is not empty unless merging, and then skips existing files unless forced', () => {
    const files = [
      { path: 'README.md', content: 'new' },
      { path: 'code/a.py', content: '' },
    ];
    const refusal = (() => {
      try {
        planWrites('proj', files, new Set(['README.md']), { merge: false, force: false, isFolderEmpty: false });
      } catch (error) {
        return error;
      }
    })();
    assert.ok(isTrellisError(refusal) && refusal.code === 'FolderNotEmpty');
    assert.match(refusal.message, /'proj' is not empty; pass --merge/);
    const merged = planWrites('proj', files, new Set(['README.md']), { merge: true, force: false, isFolderEmpty: false });
    assert.deepEqual([merged.write.map((f) => f.path), merged.skip, merged.overwrite], [['code/a.py'], ['README.md'], []]);
    const forced = planWrites('proj', files, new Set(['README.md']), { merge: true, force: true, isFolderEmpty: false });
    assert.deepEqual(
      forced.overwrite.map((f) => f.path),
      ['README.md'],
    );
  });
});
