import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sshPublicKeyLine } from '../code-signing/signing-key.js';
import { parsePolicyDefinition, resolveParameterValues } from './policy-definition.js';
import { signingKeyProblems } from './signing-key-setting.js';

/** Azure's own definition, as it ships in policies/. */
const definition = parsePolicyDefinition(
  JSON.parse(
    readFileSync(new URL('../../../policies/azure-machine-learning/AllowedSigningKey_EnforceSetting.json', import.meta.url), 'utf8'),
  ),
  { what: 'AllowedSigningKey_EnforceSetting.json' },
);
const problemsOf = (assigned: Record<string, unknown>) =>
  signingKeyProblems(definition, resolveParameterValues(definition, assigned).values);

describe("the signing keys of Azure's AllowedSigningKey_EnforceSetting, checked when assigned", () => {
  const { publicKey } = generateKeyPairSync('ed25519');

  it('takes an OpenSSH line or a PEM key (with the literal \\n Azure asks for); the unset second key is no problem', () => {
    assert.deepEqual(problemsOf({ signingKey: sshPublicKeyLine(publicKey) }), []);
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString().replaceAll('\n', '\\n');
    assert.deepEqual(problemsOf({ signingKey: pem, optionalSecondSigningKey: sshPublicKeyLine(publicKey) }), []);
  });

  it('refuses a key it cannot verify with, naming the parameter and why', () => {
    assert.deepEqual(problemsOf({ signingKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\\nmQ...' }), [
      {
        path: 'parameters.signingKey',
        message:
          'this is a PGP key; Trellis verifies ed25519 signatures: give the public key `trellis code keygen` wrote (PEM) or an `ssh-ed25519 AAAA...` line',
      },
    ]);
    assert.deepEqual(
      problemsOf({ signingKey: sshPublicKeyLine(publicKey), optionalSecondSigningKey: 'not a key' }).map(({ path }) => path),
      ['parameters.optionalSecondSigningKey'],
    );
    assert.match(problemsOf({ signingKey: ' ' })[0]?.message ?? '', /no signing key is given/);
  });

  it('checks nothing for definitions that hand another setting', () => {
    const other = { policyRule: { if: {}, then: { effect: 'enforceSetting', details: { setting: { name: 'allowedACRs', value: [] } } } } };
    assert.deepEqual(signingKeyProblems(other, { signingKey: 'not a key' }), []);
  });
});
