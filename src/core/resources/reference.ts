import { TrellisError } from '../errors.js';
import { checkName, checkVersion } from './names.js';

/** A reference to an asset: an exact version, or the latest one. */
export type AssetReference = { name: string; version: string; label?: undefined } | { name: string; version?: undefined; label: 'latest' };

/**
 * Parses the reference forms users write: `name:version`, `name@latest`, and the Azure ML
 * forms `azureml:name:version` and `azureml:name@latest`. A bare `name` means latest.
 */
export function parseAssetReference(text: string): AssetReference {
  const body = text.startsWith('azureml:') ? text.slice('azureml:'.length) : text;
  let reference: AssetReference;
  const at = body.lastIndexOf('@');
  if (at >= 0) {
    const label = body.slice(at + 1);
    if (label !== 'latest') {
      throw new TrellisError(
        'InvalidReference',
        400,
        `reference '${text}' uses label '@${label}'; the only label is '@latest' (or pin a version with name:version)`,
      );
    }
    reference = { name: body.slice(0, at), label: 'latest' };
  } else {
    const colon = body.indexOf(':');
    reference = colon >= 0 ? { name: body.slice(0, colon), version: body.slice(colon + 1) } : { name: body, label: 'latest' };
  }
  const problem = checkName(reference.name) ?? (reference.version === undefined ? undefined : checkVersion(reference.version));
  if (problem) {
    throw new TrellisError(
      'InvalidReference',
      400,
      `reference '${text}' is not valid: ${problem.message}; write name:version, name@latest, azureml:name:version or azureml:name@latest`,
    );
  }
  return reference;
}

export function formatAssetReference(reference: AssetReference): string {
  return reference.version === undefined ? `${reference.name}@latest` : `${reference.name}:${reference.version}`;
}
