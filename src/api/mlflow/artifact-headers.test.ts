import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDispositionAttachment, guessMimeType } from './artifact-headers.js';

describe('artifact download headers', () => {
  it("gives MLflow's content types: text for configs and code, MLmodel included, binary when unknown", () => {
    assert.equal(guessMimeType('model/MLmodel'), 'text/plain');
    assert.equal(guessMimeType('mlproject'), 'text/plain');
    assert.equal(guessMimeType('metrics.json'), 'text/plain');
    assert.equal(guessMimeType('conda.yaml'), 'text/plain');
    assert.equal(guessMimeType('plots/loss.PNG'), 'image/png');
    assert.equal(guessMimeType('model.pkl'), 'application/octet-stream');
    assert.equal(guessMimeType('README'), 'application/octet-stream');
  });

  it('never gives a type that a browser would run script from', () => {
    assert.equal(guessMimeType('report.html'), 'text/plain');
    assert.equal(guessMimeType('chart.svg'), 'text/plain');
  });

  it('names the file as MLflow does: a token bare, anything else quoted, non-ASCII with filename*', () => {
    assert.equal(contentDispositionAttachment('model.pkl'), 'attachment; filename=model.pkl');
    assert.equal(contentDispositionAttachment('read me.txt'), 'attachment; filename="read me.txt"');
    assert.equal(contentDispositionAttachment('say "hi".txt'), 'attachment; filename="say \\"hi\\".txt"');
    assert.equal(
      contentDispositionAttachment('résumé (1).txt'),
      'attachment; filename="resume (1).txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%20%281%29.txt',
    );
    assert.equal(contentDispositionAttachment('日本語'), "attachment; filename=download; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E");
  });
});
