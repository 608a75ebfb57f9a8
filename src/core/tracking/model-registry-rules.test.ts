import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import {
  checkAliasName,
  checkAliasNotReserved,
  checkModelName,
  checkNewModelName,
  checkRegistryTag,
  isPathNotUnique,
  isPromptTagged,
  normalizePosixPath,
  parseStage,
  parseVersionNumber,
} from './model-registry-rules.js';

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return error.message;
  }
  assert.fail('expected INVALID_PARAMETER_VALUE');
}

describe('model registry rules', () => {
  it('accepts MLflow model names, spaces included, and refuses blank names, / and : and path tricks', () => {
    for (const name of ['iris', 'UpdateRMTest 2', 'a.b_c-d', 'Ünïcode']) checkModelName(name);
    assert.equal(
      refusal(() => checkModelName('  ')),
      "Missing value for required parameter 'name'.",
    );
    assert.match(
      refusal(() => checkModelName('a/b')),
      /Names cannot contain '\/' or ':'/,
    );
    assert.match(
      refusal(() => checkModelName('a:b')),
      /Names cannot contain/,
    );
    assert.match(
      refusal(() => checkModelName('..')),
      /would resolve to '\.\.'/,
    );
    assert.match(
      refusal(() => checkModelName('.')),
      /resolve/,
    );
  });

  it('reads versions as Python int() does and names a bad one in MLflow words', () => {
    assert.equal(parseVersionNumber('3'), 3);
    assert.equal(parseVersionNumber(' 03 '), 3);
    assert.equal(parseVersionNumber('1_0'), 10);
    assert.equal(
      refusal(() => parseVersionNumber('something not correct')),
      "Parameter 'version' must be an integer, got 'something not correct'.",
    );
    refusal(() => parseVersionNumber('1.5'));
  });

  it('parses stages in any case and refuses others', () => {
    assert.equal(parseStage('production'), 'Production');
    assert.equal(parseStage('NONE'), 'None');
    assert.equal(
      refusal(() => parseStage('Shipped')),
      'Invalid Model Version stage: Shipped. Value must be one of None, Staging, Production, Archived.',
    );
  });

  it('checks alias names and reserves latest and v<n>', () => {
    checkAliasName('champion_2-b');
    assert.equal(
      refusal(() => checkAliasName('')),
      'Registered model alias name cannot be empty.',
    );
    assert.match(
      refusal(() => checkAliasName('a b')),
      /Invalid alias name: 'a b'/,
    );
    assert.match(
      refusal(() => checkAliasNotReserved('Latest')),
      /reserved/,
    );
    assert.equal(
      refusal(() => checkAliasNotReserved('v3')),
      "Version alias name 'v3' is reserved.",
    );
    checkAliasNotReserved('v3a');
  });

  it('checks registry tags: characters, path tricks and the 250 / 100,000 limits', () => {
    checkRegistryTag({ key: 'another key: x/y', value: 'v'.repeat(100_000) });
    assert.match(
      refusal(() => checkRegistryTag({ key: 'a!b', value: '' })),
      /Names may only contain/,
    );
    assert.match(
      refusal(() => checkRegistryTag({ key: '../x', value: '' })),
      /resolve/,
    );
    assert.equal(
      refusal(() => checkRegistryTag({ key: 'k'.repeat(251), value: '' })),
      "'key' exceeds the maximum length of 250 characters",
    );
    assert.equal(
      refusal(() => checkRegistryTag({ key: 'k', value: 'v'.repeat(100_001) })),
      "'value' exceeds the maximum length of 100000 characters",
    );
  });

  it('normalizes paths like posixpath.normpath', () => {
    assert.equal(normalizePosixPath('a//b/./c/'), 'a/b/c');
    assert.equal(normalizePosixPath('a/../..'), '..');
    assert.equal(normalizePosixPath('/../a'), '/a');
    assert.equal(normalizePosixPath(''), '.');
    assert.equal(isPathNotUnique('a/b'), false);
    assert.equal(isPathNotUnique('/a'), true);
  });

  it('reads the prompt tag, last value winning', () => {
    assert.equal(isPromptTagged([{ key: 'mlflow.prompt.is_prompt', value: 'TRUE' }]), true);
    assert.equal(
      isPromptTagged([
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.is_prompt', value: 'false' },
      ]),
      false,
    );
    assert.equal(isPromptTagged([]), false);
  });

  it('refuses new names with control or bidirectional characters, or over 256 characters', () => {
    assert.match(
      refusal(() => checkNewModelName('a\u0000b')),
      /'name'.*U\+0000 at position 2\); remove it/,
    );
    assert.match(
      refusal(() => checkNewModelName('a\nb', 'new_name')),
      /'new_name'.*U\+000A/,
    );
    assert.match(
      refusal(() => checkNewModelName('evil\u202Etxt')),
      /U\+202E/,
    );
    assert.match(
      refusal(() => checkNewModelName('m'.repeat(257))),
      /'name' exceeds the maximum length of 256 characters \(got 257\)/,
    );
    assert.match(
      refusal(() => checkNewModelName('  ', 'new_name')),
      /Missing value for required parameter 'new_name'/,
    );
    checkNewModelName('m'.repeat(256));
    checkNewModelName('fraud model ünïcode 模型');
    // Lookups keep the older rules, so a model that has such a name can still be reached.
    checkModelName('a\nb');
  });
});
