import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, numpyConstraintFor } from './numpy-compatibility.js';

describe('numpy 2 beside packages built for numpy 1', () => {
  it('adds numpy<2 when an old pinned package meets an unpinned or missing numpy', () => {
    assert.equal(numpyConstraintFor(['joblib', 'numpy', 'pandas', 'scikit-learn==1.2.2.*'])?.line, 'numpy<2');
    assert.match(
      numpyConstraintFor(['scikit-learn==1.1.2'])?.note ?? '',
      /scikit-learn==1\.1\.2 was built for numpy 1 .* numpy is not named/,
    );
    assert.equal(numpyConstraintFor(['xgboost==1.3.3', 'mlflow'])?.line, 'numpy<2');
  });

  it('leaves a set alone that imports as it is', () => {
    assert.equal(numpyConstraintFor(['numpy==2.3.1', 'scikit-learn==1.2.2']), undefined, 'numpy pinned by the user');
    assert.equal(numpyConstraintFor(['numpy>=1.20', 'scikit-learn==1.0']), undefined, 'numpy constrained by the user');
    assert.equal(numpyConstraintFor(['numpy', 'scikit-learn==1.7.0', 'scipy==1.16.0']), undefined, 'new enough');
    assert.equal(numpyConstraintFor(['scikit-learn>=1.0', 'pandas']), undefined, 'not pinned');
  });

  it('compares release numbers part by part', () => {
    assert.equal(compareVersions('1.2.2', '1.13.0'), -1);
    assert.equal(compareVersions('2.2', '2.2.0'), 0);
    assert.equal(compareVersions('4.10.0.84', '4.9.0'), 1);
  });
});
