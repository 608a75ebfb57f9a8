import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resourceFile } from '../bench/advisor.js';
import {
  plainCommandJob,
  plainCompute,
  plainEnvironment,
  plainOnlineDeployment,
  plainOnlineEndpoint,
  plainWorkspace,
} from '../src/core/advisor/plain-documents.js';
import { plainPipelineJob } from '../src/core/advisor/plain-pipeline-job.js';
import { plainSweepJob } from '../src/core/advisor/plain-sweep-job.js';
import { subjectsFromYaml } from '../src/core/advisor/yaml-subjects.js';
import { parseYaml } from '../src/core/yaml/parse-yaml.js';

/**
 * The advisor's fast path for plain files (src/core/advisor/plain-documents.ts) against zod, on
 * every YAML file the repository holds (test/fixtures, the azureml-examples files among them,
 * examples/) and on the benchmark's folder: the same subjects, or the same error, either way.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function yamlFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : yamlFiles(path);
    return /\.ya?ml$/i.test(entry.name) ? [path] : [];
  });
}

function outcomeOf(text: string, fileName: string, options: { isFastPathOff: boolean; condaFiles: ReadonlyMap<string, unknown> }) {
  try {
    return { subjects: subjectsFromYaml(text, fileName, options) };
  } catch (error) {
    return { error: error instanceof Error ? { ...error, message: error.message } : { thrown: String(error) } };
  }
}

function assertSamePaths(text: string, fileName: string, condaFiles: ReadonlyMap<string, unknown>) {
  const fast = outcomeOf(text, fileName, { isFastPathOff: false, condaFiles });
  assert.deepEqual(fast, outcomeOf(text, fileName, { isFastPathOff: true, condaFiles }), fileName);
  return fast;
}

describe('the fast path for plain files, against zod', () => {
  it('gives the same subjects or errors for every YAML fixture', () => {
    const files = [...yamlFiles(join(root, 'test', 'fixtures')), ...yamlFiles(join(root, 'examples'))];
    assert.ok(files.length > 200, `${files.length} YAML files`);
    let read = 0;
    for (const file of files) if ('subjects' in assertSamePaths(readFileSync(file, 'utf8'), relative(root, file), new Map())) read += 1;
    assert.ok(read > 100, `${read} of ${files.length} read into subjects`);
  });

  it("gives the same subjects for the benchmark's files, and reads all of them without zod", () => {
    const condaFiles = new Map([
      ['../conda/env.yml', { name: 'train', dependencies: ['python=3.11', { pip: ['numpy==1.26.4', 'pandas'] }] }],
    ]);
    let plain = 0;
    let yaml = 0;
    // 840 files: every combination of the generator's rotations (by 2, 3, 5, 7, 8 and 20).
    for (let index = 0; index < 840; index += 1) {
      const file = resourceFile(index);
      if (!file.path.endsWith('.yml')) continue;
      yaml += 1;
      assert.ok('subjects' in assertSamePaths(file.text, file.path, condaFiles), file.path);
      const document = parseYaml(file.text, file.path).value;
      if (
        plainCompute(document) ??
        plainEnvironment(document) ??
        plainOnlineEndpoint(document) ??
        plainOnlineDeployment(document) ??
        plainWorkspace(document) ??
        plainCommandJob(document) ??
        plainSweepJob(document) ??
        plainPipelineJob(document)
      )
        plain += 1;
    }
    // Every one of the 19 YAML kinds of the rotation: clusters, instances, command, sweep and pipeline jobs, environments, endpoints, deployments, workspaces.
    assert.equal(plain, yaml);
  });
});
