import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import { signatureFileName, signFiles, verifySignature, type SignedFile } from '../../core/code-signing/code-signature.js';
import { keyFingerprint, parseSigningKey, sshPublicKeyLine } from '../../core/code-signing/signing-key.js';
import { unlessMissing } from '../../core/error-codes.js';
import { hashFile, readUserFile, walkFolder } from '../local-files.js';

/**
 * trellis code keygen/sign/verify (beside the code assets' create/show/list): signed code for workspaces whose policy (Azure's
 * AllowedSigningKey_EnforceSetting) lets only code signed by an allowed key run. The signature is
 * a file in the folder, `.trellis-signature.json`, over every other file as `trellis job create`
 * uploads them; the server checks it at submit and again on the files the job runs.
 */
export function registerCode(program: Command): void {
  // `trellis code` also holds the code assets' create/show/list (resource-groups.ts): these join it.
  const assets = program.commands.find((command) => command.name() === 'code');
  const code = assets ?? program.command('code');
  code.description(`${assets ? `${assets.description()}; ` : ''}sign code folders for workspaces that run signed code only`);

  code
    .command('keygen')
    .description('make an ed25519 key pair: <out> (private, PEM, mode 0600) and <out>.pub (the public key, one OpenSSH line)')
    .requiredOption('-o, --out <path>', 'where the private key goes; the public key goes to <path>.pub')
    .option('-C, --comment <text>', "a comment at the end of the public key's line (who or what the key is for)")
    .action(async (options: { out: string; comment?: string }) => {
      const out = resolve(options.out);
      for (const path of [out, `${out}.pub`])
        if (await exists(path)) throw new ApiError(409, 'FileExists', `${path} exists; choose another --out or remove it first`);
      await mkdir(dirname(out), { recursive: true });
      const pair = generateKeyPairSync('ed25519');
      await writeFile(out, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      await writeFile(`${out}.pub`, `${sshPublicKeyLine(pair.publicKey, options.comment)}\n`, { flag: 'wx' });
      process.stdout.write(
        `private key: ${out} (keep it secret)\npublic key:  ${out}.pub\nfingerprint: ${keyFingerprint(pair.publicKey)}\n` +
          `allow it:    trellis policy assignment create --name signed-code --definition AllowedSigningKey_EnforceSetting --scope /workspaces/<workspace> --param "signingKey=$(cat ${out}.pub)"\n`,
      );
    });

  code
    .command('sign')
    .description(`sign a code folder: writes ${signatureFileName} into it, over every other file as trellis job create uploads them`)
    .argument('<folder>', "the job's code folder")
    .requiredOption('-k, --key <file>', 'the ed25519 private key (PEM; trellis code keygen or openssl genpkey -algorithm ed25519)')
    .action(async (folder: string, options: { key: string }) => {
      const key = await readPrivateKey(options.key);
      const files = await folderFiles(folder);
      const signature = signFiles(files, key, new Date());
      await writeFile(join(folder, signatureFileName), `${JSON.stringify(signature, null, 2)}\n`);
      process.stdout.write(
        `signed ${signature.files.length} file${signature.files.length === 1 ? '' : 's'} of ${folder} with key ${signature.fingerprint}\n` +
          `digest ${signature.digest}\nsignature ${join(folder, signatureFileName)}; sign again after any change\n`,
      );
    });

  code
    .command('verify')
    .description("check a folder's signature: every file as signed, and (with --key) signed by one of the keys given")
    .argument('<folder>', 'the signed folder')
    .option('-k, --key <file>', 'an allowed public key (PEM or OpenSSH line); repeat for more', collect, [])
    .action(async (folder: string, options: { key: string[] }) => {
      const files = await folderFiles(folder);
      const text = await unlessMissing(readFile(join(folder, signatureFileName), 'utf8'));
      const allowed = new Set<string>();
      for (const file of options.key) {
        const parsed = parseSigningKey(await readUserFile(file, 'give the public key file, e.g. the .pub trellis code keygen wrote'));
        if (!parsed.ok) throw new ApiError(400, 'InvalidSigningKey', `${file}: ${parsed.problem}`);
        allowed.add(parsed.fingerprint);
      }
      // Without --key: whether the folder is as signed, by whichever key signed it.
      const signer = text === undefined ? undefined : signerOf(text);
      const verdict = verifySignature(text, files, allowed.size > 0 ? allowed : new Set(signer ? [signer] : []));
      if (!verdict.ok) throw new ApiError(422, 'CodeSignatureInvalid', `${folder}: ${verdict.problem}`);
      process.stdout.write(
        `${folder}: signature valid, key ${verdict.fingerprint}, digest ${verdict.digest}${allowed.size > 0 ? ' (an allowed key)' : ' (no --key given: the key itself not checked)'}\n`,
      );
    });
}

/** The folder's files as trellis job create uploads them (the same walk), hashed. */
async function folderFiles(folder: string): Promise<SignedFile[]> {
  const { files } = await walkFolder(folder);
  const signed: SignedFile[] = [];
  for (const file of files) signed.push({ path: file.path, digest: await hashFile(file.absolutePath), size: file.size });
  return signed;
}

async function readPrivateKey(file: string): Promise<KeyObject> {
  const text = await readUserFile(file, 'make one with: trellis code keygen --out <path>');
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (error) {
    throw new ApiError(
      400,
      'InvalidSigningKey',
      `${file} is not a private key in PEM (${error instanceof Error ? error.message : String(error)}); make one with: trellis code keygen --out <path>`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ApiError(
      400,
      'InvalidSigningKey',
      `${file} is an ${key.asymmetricKeyType ?? 'unknown'} key; trellis code sign takes ed25519 keys`,
    );
  return key;
}

function signerOf(text: string): string | undefined {
  try {
    const publicKey: unknown = JSON.parse(text)?.publicKey;
    if (typeof publicKey !== 'string') return undefined;
    const parsed = parseSigningKey(publicKey);
    return parsed.ok ? parsed.fingerprint : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await unlessMissing(stat(path))) !== undefined;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
