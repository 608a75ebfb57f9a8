import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTrellisError } from '../../core/errors.js';
import { attemptSecretPath, attemptToken, attemptTransferUrls, checkAttemptToken, loadAttemptSecret } from './attempt-token.js';

describe('attempt tokens', () => {
  const secret = Buffer.alloc(32, 7);
  const identity = { workspace: 'dev', jobName: 'train', attempt: 2 };
  const homes: string[] = [];
  after(() => Promise.all(homes.map((home) => rm(home, { recursive: true, force: true }))));

  it('signs one attempt: the same identity gives the same token, any other a different one', () => {
    const token = attemptToken(secret, identity);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(attemptToken(secret, { ...identity }), token);
    for (const other of [
      { ...identity, attempt: 3 },
      { ...identity, jobName: 'train2' },
      { ...identity, workspace: 'prod' },
    ])
      assert.notEqual(attemptToken(secret, other), token);
    assert.notEqual(attemptToken(Buffer.alloc(32, 8), identity), token);
  });

  it("accepts the attempt's token and refuses any other with 403", () => {
    checkAttemptToken(secret, identity, attemptToken(secret, identity));
    for (const wrong of [undefined, '', 'x', attemptToken(secret, { ...identity, attempt: 1 })]) {
      assert.throws(
        () => checkAttemptToken(secret, identity, wrong),
        (error: unknown) => isTrellisError(error) && error.status === 403 && error.code === 'AttemptTokenInvalid',
      );
    }
  });

  it('builds the bundle and results URLs below the public URL, with the token', () => {
    const urls = attemptTransferUrls('http://trellis.ml.svc:5050/', secret, identity);
    const token = attemptToken(secret, identity);
    assert.deepEqual(urls, {
      bundleUrl: `http://trellis.ml.svc:5050/api/v1/workspaces/dev/jobs/train/attempts/2/bundle.tar?token=${token}`,
      resultsUrl: `http://trellis.ml.svc:5050/api/v1/workspaces/dev/jobs/train/attempts/2/results.tar?token=${token}`,
    });
  });

  it('makes the secret once, readable by the owner only, and finds it again after a restart', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-secret-'));
    homes.push(home);
    const [first, concurrent] = await Promise.all([loadAttemptSecret(home), loadAttemptSecret(home)]);
    assert.equal(first.length, 32);
    assert.deepEqual(concurrent, first);
    assert.deepEqual(await loadAttemptSecret(home), first);
    assert.equal((await stat(attemptSecretPath(home))).mode & 0o777, 0o600);
  });
});
