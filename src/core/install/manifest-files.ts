import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/**
 * Rendered objects as YAML text: one multi-document stream (to pipe into `kubectl apply -f -`),
 * or a kustomize-ready folder (one file per object and a kustomization.yaml listing them in apply
 * order). Pure. Each file says the command that rendered it, so a reader changes the flags and
 * renders again rather than editing by hand.
 */

/**
 * An object as YAML that kubectl reads back as the same values: YAML 1.1 quoting (kubectl's parser
 * takes `on`, `yes`, `true` for booleans, so such strings are quoted), long strings never folded,
 * no anchors for objects used twice.
 */
export function manifestYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

/** The first lines of every file: where it came from. */
export function renderedHeader(commandLine: string): string {
  return `# Rendered by: ${commandLine}\n# Change the flags and render again rather than editing this file.\n`;
}

/** Every object in one YAML stream, documents separated by `---`. */
export function manifestStream(objects: readonly KubernetesObject[], commandLine: string): string {
  return `${renderedHeader(commandLine)}${objects.map((object) => `---\n${manifestYaml(object)}`).join('')}`;
}

/** A file name per object: its kind in lower case, and its namespace when several objects share a kind (Roles in several namespaces). */
export function fileNameOf(object: KubernetesObject, objects: readonly KubernetesObject[]): string {
  const kind = (object.kind ?? 'object').toLowerCase();
  const sameKind = objects.filter((other) => other.kind === object.kind);
  return sameKind.length > 1 ? `${kind}-${object.metadata?.namespace ?? 'cluster'}.yaml` : `${kind}.yaml`;
}

/** The files of a kustomize folder, by name: one per object, then kustomization.yaml. */
export function manifestFolder(objects: readonly KubernetesObject[], commandLine: string): Map<string, string> {
  const files = new Map<string, string>();
  const header = renderedHeader(commandLine);
  for (const object of objects) files.set(fileNameOf(object, objects), `${header}${manifestYaml(object)}`);
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files.keys()],
  };
  files.set('kustomization.yaml', `${header}${manifestYaml(kustomization)}`);
  return files;
}
