import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layering of src/ (STYLE.md, the README's layout), checked on every import of every source
 * file, type-only imports and dynamic imports included, so that it holds without anyone re-reading
 * the code: which folders a folder may import, and no cycle between files.
 */

const src = dirname(fileURLToPath(import.meta.url));

/** What each folder under src/ may import besides itself; a folder not named here may import anything. */
const mayImport: Readonly<Record<string, readonly string[]>> = {
  // Pure domain logic: no I/O layer.
  core: [],
  // Metadata and blobs know nothing of HTTP, services or controllers.
  store: ['core'],
  artifacts: ['core'],
  // The HTTP contract: every route declared once (method, path, zod schemas); the api registers it, the client calls it.
  contract: ['core'],
  // The typed HTTP client: what the CLI and the studio reach the server through; its types are inferred from the contract.
  client: ['core', 'contract'],
  // The CLI reaches the server only through the client (and starts one: `trellis up`).
  cli: ['client', 'core', 'config', 'server'],
  config: ['core'],
  // Backup and restore of a data directory: the metadata's snapshots (store), its files, the object pool (an artifact store), the store settings (config).
  backup: ['core', 'store', 'artifacts', 'config'],
  // Verifying identities against outside providers (OpenID Connect discovery and keys).
  auth: ['core', 'config'],
  environments: ['core'],
  // The API does no SQL: it calls services.
  api: ['core', 'contract', 'services', 'serving', 'artifacts', 'backends', 'config', 'controllers', 'auth'],
  backends: ['core', 'artifacts', 'config', 'environments'],
  serving: ['core', 'artifacts'],
  services: ['core', 'store', 'artifacts', 'backends', 'environments', 'config', 'auth'],
  controllers: ['core', 'services', 'serving', 'store', 'backends', 'artifacts', 'environments', 'config'],
};

/** Node modules that do I/O: none of them in core. */
const ioModules = /^node:(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|os|worker_threads|cluster|tls)$/;

/** What the studio (studio/src) may import from src/: the client, and the contract's types; never core or api directly. */
const studioMayImport = ['client', 'contract'];

/** Only `trellis up` may start the server from the CLI. */
const cliServerImporters = new Set(['cli/commands/up.ts']);

/** Only `trellis backup` and `trellis restore` may reach the data directory itself (backup/, store/) from the CLI. */
const cliDataDirectoryImporters = new Set(['cli/commands/backup.ts']);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.contract.ts') ? [path] : [];
  });
}

/** Every module a file names in an import or export (static, type-only or dynamic). */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(
    /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm,
  )) {
    found.push((match[1] ?? match[2] ?? match[3])!);
  }
  return found;
}

const studioSrc = join(src, '..', 'studio', 'src');

/** The studio's source files, tests left out as for src/. */
function studioFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return studioFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = sourceFiles(src).map((path) => relative(src, path).split('\\').join('/'));
const importsByFile = new Map(
  files.map((file) => {
    const text = readFileSync(join(src, file), 'utf8');
    const local = importsOf(text)
      .filter((target) => target.startsWith('.'))
      .map((target) =>
        normalize(join(dirname(file), target))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts'),
      );
    return [file, { local, all: importsOf(text) }] as const;
  }),
);

describe('import rules of src/', () => {
  it('has files to check (the scanner finds their imports)', () => {
    assert.ok(files.length > 100, `only ${files.length} files found under ${src}`);
    assert.ok((importsByFile.get('server/start-server.ts')?.local.length ?? 0) > 5);
  });

  it('lets each folder import only the folders below it', () => {
    const broken: string[] = [];
    for (const [file, { local }] of importsByFile) {
      const folder = file.split('/')[0]!;
      const allowed = mayImport[folder];
      if (allowed === undefined) continue;
      for (const target of local) {
        const targetFolder = target.split('/')[0]!;
        if (targetFolder === folder || allowed.includes(targetFolder)) continue;
        broken.push(`${file} imports ${target} (${folder}/ may import ${allowed.join(', ') || 'nothing outside itself'})`);
      }
    }
    const cliServer = broken.filter((line) => / imports server\//.test(line) && cliServerImporters.has(line.split(' ')[0]!));
    const cliDataDirectory = broken.filter(
      (line) => / imports (backup|store)\//.test(line) && cliDataDirectoryImporters.has(line.split(' ')[0]!),
    );
    assert.deepEqual(
      broken.filter((line) => !cliServer.includes(line) && !cliDataDirectory.includes(line)),
      [],
    );
  });

  it('lets the studio reach src/ only through the client and the contract', () => {
    const broken: string[] = [];
    const checked = studioFiles(studioSrc);
    assert.ok(checked.length > 10, `only ${checked.length} studio files found under ${studioSrc}`);
    for (const path of checked) {
      for (const target of importsOf(readFileSync(path, 'utf8')).filter((item) => item.startsWith('.'))) {
        const resolved = relative(src, normalize(join(dirname(path), target)))
          .split('\\')
          .join('/');
        if (resolved.startsWith('..')) continue;
        const folder = resolved.split('/')[0]!;
        if (!studioMayImport.includes(folder))
          broken.push(`${relative(studioSrc, path)} imports src/${resolved} (the studio may import ${studioMayImport.join(', ')})`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('keeps I/O out of core', () => {
    const broken = [...importsByFile].flatMap(([file, { all }]) =>
      file.startsWith('core/') ? all.filter((target) => ioModules.test(target)).map((target) => `${file} imports ${target}`) : [],
    );
    assert.deepEqual(broken, []);
  });

  it('has no cycle between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'visiting');
      path.push(file);
      for (const target of importsByFile.get(file)?.local ?? []) {
        if (!importsByFile.has(target)) continue;
        if (state.get(target) === 'visiting') cycles.push([...path.slice(path.indexOf(target)), target].join(' → '));
        else if (!state.has(target)) visit(target);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of importsByFile.keys()) if (!state.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });
});
