import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { skipUnless } from '../../../test/support/capabilities.js';
import { createSoftHsmTokens, type SoftHsmTokens, softhsmMissing, softhsmModule } from '../../../test/support/softhsm.js';
import { generateDataKey } from './data-key-cipher.js';
import { nextLabel, Pkcs11KekProvider } from './pkcs11-kek.js';

const codeOf = (error: unknown) => (error instanceof Error && 'code' in error ? error.code : undefined);

describe('PKCS#11 KEK on SoftHSM2', { skip: skipUnless('softhsm2', softhsmMissing()) }, () => {
  let tokens: SoftHsmTokens;
  let provider: Pkcs11KekProvider;

  before(async () => {
    tokens = await createSoftHsmTokens({ trellis: '1234', locked: '4321' });
    provider = new Pkcs11KekProvider({ module: softhsmModule, pin: '1234' });
  });
  after(async () => {
    await provider?.close();
    await tokens?.cleanup();
  });

  it('refuses a wrong PIN clearly, without the PIN in the message', async () => {
    const wrong = new Pkcs11KekProvider({ module: softhsmModule, pin: '999999' });
    try {
      await assert.rejects(
        wrong.byId('pkcs11:token=locked;object=kek'),
        (error: Error) => codeOf(error) === 'Pkcs11LoginFailed' && /'locked'/.test(error.message) && !error.message.includes('999999'),
      );
    } finally {
      await wrong.close();
    }
  });

  it('generates a key in the token that cannot be read out, and wraps data keys with it', async () => {
    const id = await provider.createKey({ token: 'trellis', object: 'kek-a' });
    assert.equal(id, 'pkcs11:token=trellis;object=kek-a');
    const kek = await provider.byId(id);
    const dataKey = generateDataKey();
    const wrapped = await kek.wrap(dataKey);
    assert.ok(!Buffer.from(wrapped, 'base64url').includes(dataKey));
    assert.notEqual(await kek.wrap(dataKey), wrapped);
    assert.deepEqual(await kek.unwrap(wrapped), dataKey);

    // The key's own attributes, read through a second handle on the same module.
    const module = new pkcs11js.PKCS11();
    module.load(softhsmModule);
    const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).label.trimEnd() === 'trellis');
    assert.ok(slot);
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: 'kek-a' }]);
    const handle = module.C_FindObjects(session);
    module.C_FindObjectsFinal(session);
    assert.ok(handle);
    const [sensitive, extractable] = module.C_GetAttributeValue(session, handle, [
      { type: pkcs11js.CKA_SENSITIVE },
      { type: pkcs11js.CKA_EXTRACTABLE },
    ]);
    assert.deepEqual([sensitive?.value[0], extractable?.value[0]], [1, 0]);
    assert.throws(() => module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]), /CKR_ATTRIBUTE_SENSITIVE/);
    module.C_CloseSession(session);
  });

  it('names the label and the token when the token lacks the key', async () => {
    await assert.rejects(
      provider.byId('pkcs11:token=trellis;object=nope'),
      (error: Error) => codeOf(error) === 'KeyNotFound' && /'nope'/.test(error.message) && /'trellis'/.test(error.message),
    );
    await assert.rejects(provider.byId('pkcs11:token=absent;object=kek-a'), (error: Error) => codeOf(error) === 'TokenNotFound');
  });

  it('rotates to a new key in the token; what the old one wrapped still unwraps', async () => {
    const old = await provider.byId('pkcs11:token=trellis;object=kek-a');
    const wrapped = await old.wrap(generateDataKey());
    const next = await provider.rotate(old.id);
    assert.equal(next.id, 'pkcs11:token=trellis;object=kek-a-v2');
    assert.equal((await provider.rotate(old.id)).id, 'pkcs11:token=trellis;object=kek-a-v3');
    assert.equal((await old.unwrap(wrapped)).length, 32);
    await assert.rejects(next.unwrap(wrapped), (error: Error) => codeOf(error) === 'KeyUnwrapFailed');
    assert.equal((await provider.rotate(old.id, { label: 'kek-a' })).id, old.id);
  });

  it('numbers labels', () => {
    assert.equal(nextLabel('kek'), 'kek-v2');
    assert.equal(nextLabel('kek-v9'), 'kek-v10');
  });
});
