import { plainObjectOr } from '../azureml/schema-helpers.js';
import { parseSigningKey } from '../code-signing/signing-key.js';
import type { Problem } from '../errors.js';
import type { PolicyDefinition } from './policy-definition.js';
import { isTemplateExpression } from './template-expression.js';

/**
 * The signing keys an assignment of a `signingKeys` enforce-setting definition (Azure's
 * AllowedSigningKey_EnforceSetting) would hand to jobs, checked when it is assigned: every key it
 * names must be one Trellis can verify with, so a key pasted wrong is refused then, not found out
 * when every job of the workspace is. The keys are the parameters the setting's allowedList reads.
 */
export function signingKeyProblems(definition: Pick<PolicyDefinition, 'policyRule'>, values: Record<string, unknown>): Problem[] {
  const setting = plainObjectOr(plainObjectOr(definition.policyRule.then.details)?.setting);
  if (setting?.name !== 'signingKeys') return [];
  const allowedList = plainObjectOr(setting.value)?.allowedList;
  const listed = typeof allowedList === 'string' && isTemplateExpression(allowedList) ? allowedList : JSON.stringify(allowedList ?? '');
  const problems: Problem[] = [];
  let keys = 0;
  for (const [name, value] of Object.entries(values)) {
    if (!new RegExp(`parameters\\('${name}'\\)`, 'i').test(listed) || typeof value !== 'string' || value.trim() === '') continue;
    keys += 1;
    const key = parseSigningKey(value);
    if (!key.ok) problems.push({ path: `parameters.${name}`, message: key.problem });
  }
  if (keys === 0 && problems.length === 0)
    problems.push({
      path: 'parameters',
      message: 'no signing key is given; pass the public key trellis code keygen wrote: --param "signingKey=$(cat key.pub)"',
    });
  return problems;
}
