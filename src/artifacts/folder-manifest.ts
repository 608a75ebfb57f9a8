import { z } from 'zod';
import { invalidInput, type Problem, type TrellisError } from '../core/errors.js';
import { canonicalJson, sha256Hex } from '../core/resources/digest.js';
import { artifactPathProblem, compareArtifactPaths } from './artifact-path.js';
import { isContentDigest } from './content-digest.js';

/**
 * A folder uploaded as content: each file is stored with putContent, and the folder is the
 * sorted list of (path, digest, size). The digest of its canonical JSON names the folder by
 * content alone — the same files give the same digest wherever and in whatever order they were
 * uploaded — and equals the content digest of that JSON stored with putContent.
 */
export interface FolderManifest {
  files: FolderManifestFile[];
}

export interface FolderManifestFile {
  /** Relative to the folder, with the artifact-path rules ('data/train.csv'). */
  path: string;
  /** `sha256:<hex>` of the file's bytes. */
  digest: string;
  size: number;
}

/**
 * Builds a manifest from files in any order: checks every entry (artifact-path rules, digest,
 * size, no duplicates, no file that is also a folder) and sorts by path (UTF-8 bytes).
 * Throws InvalidInput (422) listing every problem.
 */
export function createFolderManifest(files: Iterable<FolderManifestFile>): FolderManifest {
  const entries = [...files].map((file, index) => ({ file, index }));
  const allPaths = new Set(entries.map(({ file }) => file.path));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const { file, index } of entries) {
    const at = `/files/${index}`;
    const pathProblem = artifactPathProblem(file.path) ?? duplicateOrNested(file.path, seen, allPaths);
    if (pathProblem !== undefined) problems.push({ path: `${at}/path`, message: `'${file.path}' ${pathProblem}` });
    seen.add(file.path);
    if (!isContentDigest(file.digest)) {
      problems.push({ path: `${at}/digest`, message: 'must look like sha256:<64 lowercase hex digits>' });
    }
    if (!Number.isSafeInteger(file.size) || file.size < 0) {
      problems.push({ path: `${at}/size`, message: `must be a whole number of bytes >= 0, got ${file.size}` });
    }
  }
  if (problems.length > 0) throw invalidInput('folder manifest', problems);
  const sorted = entries
    .map(({ file }) => ({ path: file.path, digest: file.digest, size: file.size }))
    .sort((a, b) => compareArtifactPaths(a.path, b.path));
  return { files: sorted };
}

/** The canonical JSON text of a manifest (validated and sorted first): equal folders give equal text. */
export function canonicalManifestJson(manifest: FolderManifest): string {
  return canonicalJson(createFolderManifest(manifest.files));
}

/** `sha256:<hex>` of the canonical JSON: the folder's identity by content. */
export function folderManifestDigest(manifest: FolderManifest): string {
  return `sha256:${sha256Hex(canonicalManifestJson(manifest))}`;
}

const manifestSchema = z.object({
  files: z.array(z.object({ path: z.string(), digest: z.string(), size: z.number() })),
});

/** Parses untrusted JSON (a request body, a stored manifest) into a checked, sorted manifest; throws InvalidInput (422). */
export function parseFolderManifest(value: unknown): FolderManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw schemaProblems(parsed.error.issues);
  return createFolderManifest(parsed.data.files);
}

function duplicateOrNested(path: string, seen: Set<string>, allPaths: Set<string>): string | undefined {
  if (seen.has(path)) return 'is listed twice';
  // A folder cannot hold both a file 'a' and a folder 'a' (a/b): no filesystem could check it out.
  const segments = path.split('/');
  for (let depth = 1; depth < segments.length; depth += 1) {
    const ancestor = segments.slice(0, depth).join('/');
    if (allPaths.has(ancestor)) return `is inside '${ancestor}', which is a file`;
  }
  return undefined;
}

function schemaProblems(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): TrellisError {
  return invalidInput(
    'folder manifest',
    issues.map((issue) => ({ path: `/${issue.path.map(String).join('/')}`, message: issue.message })),
  );
}
