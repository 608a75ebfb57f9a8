import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactedMarker, redactSecrets } from './secret-fields.js';

describe('redactSecrets', () => {
  it('replaces an SSH password with a marker and says so, leaving the input untouched', () => {
    const spec = { type: 'amlcompute', ssh_settings: { admin_username: 'azureuser', admin_password: 'hunter2' } };
    const result = redactSecrets(spec, () => 7);
    assert.deepEqual(result.spec, { type: 'amlcompute', ssh_settings: { admin_username: 'azureuser', admin_password: redactedMarker } });
    assert.equal(spec.ssh_settings.admin_password, 'hunter2');
    assert.equal(result.notes.length, 1);
    assert.equal(result.notes[0]?.path, 'ssh_settings.admin_password');
    assert.equal(result.notes[0]?.line, 7);
  });

  it('changes nothing when there is no secret', () => {
    const spec = { type: 'amlcompute', ssh_settings: { ssh_key_value: 'ssh-rsa AAAA' } };
    assert.deepEqual(redactSecrets(spec), { spec, notes: [] });
  });
});
