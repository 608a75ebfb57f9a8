import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { signatureFileName, signedDigest, signFiles, verifySignature, type SignedFile } from './code-signature.js';
import { keyFingerprint, parseSigningKey, sshPublicKeyLine } from './signing-key.js';

const file = (path: string, text: string): SignedFile => ({
  path,
  digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
  size: Buffer.byteLength(text),
});

const folder = [file('train.py', 'print("train")\n'), file('src/util.py', 'X = 1\n'), file('Ä.txt', 'utf-8 sorts by bytes\n')];
const signer = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const signerPrint = keyFingerprint(signer.publicKey);
const at = new Date('2026-12-07T10:00:00Z');

/** The folder with its signature file, as it is uploaded. */
function signedFolder(files = folder, key = signer.privateKey): { files: SignedFile[]; text: string } {
  const text = JSON.stringify(signFiles(files, key, at));
  return { files: [...files, file(signatureFileName, text)], text };
}

describe('code signatures', () => {
  it('verifies a signed folder and names the key and the digest it signed', () => {
    const { files, text } = signedFolder();
    const verdict = verifySignature(text, files, new Set([signerPrint]));
    assert.deepEqual(verdict, { ok: true, fingerprint: signerPrint, digest: signedDigest(folder) });
    assert.equal(signedDigest(files), signedDigest(folder), 'the signature file itself is not signed');
  });

  it('refuses an unsigned folder, a changed one (naming each file), a key not allowed, a forged signature', () => {
    const allowed = new Set([signerPrint]);
    const unsigned = verifySignature(undefined, folder, allowed);
    assert.ok(!unsigned.ok && unsigned.reason === 'unsigned' && /no \.trellis-signature\.json/.test(unsigned.problem));

    const { files, text } = signedFolder();
    const tampered = files.map((entry) => (entry.path === 'train.py' ? file('train.py', 'import os; os.system("curl evil")\n') : entry));
    const changed = verifySignature(text, [...tampered.filter((entry) => entry.path !== 'src/util.py'), file('extra.py', '')], allowed);
    assert.ok(!changed.ok);
    assert.equal(changed.reason, 'changed');
    assert.equal(changed.problem, "the code changed after it was signed: 'extra.py' added, 'src/util.py' removed, 'train.py' modified");

    const byOther = signedFolder(folder, other.privateKey);
    const notAllowed = verifySignature(byOther.text, byOther.files, allowed);
    assert.ok(!notAllowed.ok && notAllowed.reason === 'keyNotAllowed');
    assert.match(
      notAllowed.problem,
      new RegExp(
        `signed by key ${escapeRegExp(keyFingerprint(other.publicKey))}, which is not an allowed signing key \\(allowed: ${escapeRegExp(signerPrint)}\\)`,
      ),
    );

    // The other key signs, but the file claims to be the allowed key's: the fingerprint no longer matches its key, or the signature fails.
    const forged = JSON.parse(byOther.text);
    const genuine = JSON.parse(text);
    const swapped = JSON.stringify({ ...forged, publicKey: genuine.publicKey, fingerprint: genuine.fingerprint });
    const verdict = verifySignature(swapped, folder, allowed);
    assert.ok(!verdict.ok && verdict.reason === 'badSignature', JSON.stringify(verdict));
    assert.match(verdict.problem, /does not verify with key/);
  });

  it('refuses a signature file that is not one, naming the field', () => {
    const bad = verifySignature('{"format":"trellis-code-signature/1"}', folder, new Set([signerPrint]));
    assert.ok(!bad.ok && bad.reason === 'malformed');
    assert.match(bad.problem, /\.trellis-signature\.json: algorithm: .*sign the folder again with trellis code sign/);
    const notJson = verifySignature('not json', folder, new Set());
    assert.ok(!notJson.ok && /is not JSON/.test(notJson.problem));
    const { text } = signedFolder();
    const lying = JSON.stringify({ ...JSON.parse(text), fingerprint: keyFingerprint(other.publicKey) });
    const mismatch = verifySignature(lying, folder, new Set([keyFingerprint(other.publicKey)]));
    assert.ok(!mismatch.ok && /is not that of its publicKey/.test(mismatch.problem));
  });

  it('reads keys as PEM (with the literal \\n Azure asks for), as OpenSSH lines, and refuses the rest saying why', () => {
    const pem = signer.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const fromPem = parseSigningKey(pem);
    assert.ok(fromPem.ok && fromPem.fingerprint === signerPrint);
    const escaped = parseSigningKey(pem.replaceAll('\n', '\\r\\n'));
    assert.ok(escaped.ok && escaped.fingerprint === signerPrint);
    const fromSsh = parseSigningKey(sshPublicKeyLine(signer.publicKey, 'me@laptop'));
    assert.ok(fromSsh.ok && fromSsh.fingerprint === signerPrint);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const notEd = parseSigningKey(rsa);
    assert.ok(!notEd.ok && /the key is rsa; Trellis verifies ed25519 signatures/.test(notEd.problem));
    const pgp = parseSigningKey('-----BEGIN PGP PUBLIC KEY BLOCK-----\\n\\nmQINBF...\\n-----END PGP PUBLIC KEY BLOCK-----');
    assert.ok(!pgp.ok && /this is a PGP key/.test(pgp.problem));
    const secret = parseSigningKey(signer.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    assert.ok(!secret.ok && /this is a private key/.test(secret.problem));
    assert.ok(!parseSigningKey('ssh-ed25519 AAAA').ok);
    assert.ok(!parseSigningKey('').ok);
  });

  it('prints fingerprints as ssh-keygen -lf does', () => {
    // `ssh-keygen -lf` on this line printed: 256 SHA256:Xr1UoDt8V+mWqZ/vX5POOKQF1E5CvdcmNasNmyBwxb4 t (ED25519)
    const parsed = parseSigningKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMS7OplIjLt5MbsH+95Q2ZRH1L/x6gydLVd7/dlOBhCG t');
    assert.ok(parsed.ok);
    assert.equal(parsed.fingerprint, 'SHA256:Xr1UoDt8V+mWqZ/vX5POOKQF1E5CvdcmNasNmyBwxb4');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
