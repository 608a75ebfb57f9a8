import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { studioPathForMlflowHash } from './mlflow-links.js';

describe('studioPathForMlflowHash', () => {
  it('sends the links the MLflow client prints to the studio pages for them', () => {
    assert.equal(studioPathForMlflowHash('default', '#/experiments/3/runs/abc123'), '/w/default/runs/abc123');
    assert.equal(studioPathForMlflowHash('default', '#/experiments/3'), '/w/default/experiments/3');
    assert.equal(studioPathForMlflowHash('dev', '#/models/iris%20model/versions/2'), '/w/dev/models/iris%20model/versions/2');
    assert.equal(studioPathForMlflowHash('dev', '#/models/iris'), '/w/dev/models/iris');
  });

  it('keeps to the nearest page for deeper links and MLflow UI query strings', () => {
    assert.equal(studioPathForMlflowHash('default', '#/experiments/3/runs/abc123/artifacts'), '/w/default/runs/abc123');
    assert.equal(studioPathForMlflowHash('default', '#/experiments/3?searchFilter=x'), '/w/default/experiments/3');
    assert.equal(studioPathForMlflowHash('default', '#/experiments'), '/w/default/experiments');
  });

  it('names no page for an empty or unknown fragment', () => {
    assert.equal(studioPathForMlflowHash('default', ''), undefined);
    assert.equal(studioPathForMlflowHash('default', '#/'), undefined);
    assert.equal(studioPathForMlflowHash('default', '#/settings'), undefined);
    assert.equal(studioPathForMlflowHash('default', '#section'), undefined);
  });
});
