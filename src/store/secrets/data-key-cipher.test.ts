import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateDataKey, isSealed, openSecret, sealedDataKeyId, sealSecret } from './data-key-cipher.js';

const context = { workspace: 'dev', purpose: 'endpoint-secrets/web/primary' };

describe('data key cipher', () => {
  it('seals to the self-describing form and opens back', () => {
    const dataKey = generateDataKey();
    const sealed = sealSecret({ dataKey, dataKeyId: 'dk-1', context, plaintext: 'the-key' });
    assert.match(sealed, /^enc:v1:dk-1:[A-Za-z0-9_-]+$/);
    assert.ok(isSealed(sealed));
    assert.equal(sealedDataKeyId(sealed), 'dk-1');
    assert.ok(!sealed.includes('the-key'));
    assert.equal(openSecret({ dataKey, context, sealed }), 'the-key');
  });

  it('uses a fresh nonce each time', () => {
    const dataKey = generateDataKey();
    const seal = () => sealSecret({ dataKey, dataKeyId: 'dk-1', context, plaintext: 'same' });
    assert.notEqual(seal(), seal());
  });

  it('does not open in another workspace, for another purpose, with another key, or altered', () => {
    const dataKey = generateDataKey();
    const sealed = sealSecret({ dataKey, dataKeyId: 'dk-1', context, plaintext: 'the-key' });
    const refuses = (run: () => unknown) => assert.throws(run, (error: Error & { code?: string }) => error.code === 'SecretUnreadable');
    refuses(() => openSecret({ dataKey, context: { ...context, workspace: 'prod' }, sealed }));
    refuses(() => openSecret({ dataKey, context: { ...context, purpose: 'endpoint-secrets/web/secondary' }, sealed }));
    refuses(() => openSecret({ dataKey: generateDataKey(), context, sealed }));
    refuses(() => openSecret({ dataKey, context, sealed: sealed.replace('dk-1', 'dk-2') }));
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    refuses(() => openSecret({ dataKey, context, sealed: `${sealed.slice(0, -2)}${last}${sealed.at(-1)}` }));
    refuses(() => openSecret({ dataKey, context, sealed: 'enc:v1:dk-1:AAAA' }));
    refuses(() => openSecret({ dataKey, context, sealed: 'plain' }));
  });

  it('never puts the secret in an error message', () => {
    const dataKey = generateDataKey();
    const sealed = sealSecret({ dataKey, dataKeyId: 'dk-1', context, plaintext: 'sekrit-value' });
    assert.throws(
      () => openSecret({ dataKey: generateDataKey(), context, sealed }),
      (error: Error) => !error.message.includes('sekrit-value') && !error.message.includes(sealed.slice(12)),
    );
  });

  it('refuses keys of the wrong size', () => {
    assert.throws(() => sealSecret({ dataKey: Buffer.alloc(16), dataKeyId: 'dk-1', context, plaintext: 'x' }), RangeError);
  });
});
