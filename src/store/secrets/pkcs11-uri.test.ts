import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPkcs11Uri, isPkcs11Uri, parsePkcs11Uri } from './pkcs11-uri.js';

describe('PKCS#11 URIs', () => {
  it('reads the token and the key label, percent-decoded, ignoring other attributes', () => {
    assert.deepEqual(parsePkcs11Uri('pkcs11:token=trellis;object=kek-a'), { token: 'trellis', object: 'kek-a' });
    assert.deepEqual(parsePkcs11Uri('pkcs11:manufacturer=SoftHSM;token=My%20Token;object=k%3B1;type=secret-key'), {
      token: 'My Token',
      object: 'k;1',
    });
  });

  it('formats so that parsing gives the name back', () => {
    const name = { token: 'My Token', object: 'k;1=2/3' };
    assert.deepEqual(parsePkcs11Uri(formatPkcs11Uri(name)), name);
    assert.equal(formatPkcs11Uri({ token: 'trellis', object: 'kek-a' }), 'pkcs11:token=trellis;object=kek-a');
  });

  it('refuses what is not a usable key URI, saying why', () => {
    const refuses = (uri: string, why: RegExp) =>
      assert.throws(
        () => parsePkcs11Uri(uri),
        (error: Error & { code?: string }) => error.code === 'InvalidKeyUri' && why.test(error.message),
      );
    refuses('https://vault.azure.net/keys/k', /does not start with pkcs11:/);
    refuses('pkcs11:object=k', /names no token/);
    refuses('pkcs11:token=t', /names no key/);
    refuses('pkcs11:token=t;object=k?pin-value=1234', /carries a PIN/);
    assert.ok(!isPkcs11Uri('https://vault'));
  });

  it('does not echo a PIN given in the URI', () => {
    assert.throws(
      () => parsePkcs11Uri('pkcs11:token=t;object=k?pin-value=98765'),
      (error: Error) => !error.message.includes('98765'),
    );
  });
});
