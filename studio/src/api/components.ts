import type { ResourceBody } from '../../../src/client/trellis-client.js';
import { allPages, trellis } from './client.js';

/**
 * Command components, an asset kind like models (/api/v1/workspaces/{ws}/components): every
 * version immutable, its spec the component's Azure ML YAML (inputs, outputs, command, environment, code).
 */

export type Component = ResourceBody;

/** A component's newest version and how many versions it has. */
export interface ComponentSummary {
  latest: Component;
  versionCount: number;
}

/** The newest version of every component, with each one's number of versions. */
export async function listComponents(workspace: string): Promise<ComponentSummary[]> {
  const latest = await allPages((pageToken) => trellis.list(workspace, 'component', { limit: 200, ...(pageToken ? { pageToken } : {}) }));
  return Promise.all(
    latest.map(async (component) => ({ latest: component, versionCount: (await componentVersions(workspace, component.name)).length })),
  );
}

/** Every version of a component, newest first. */
export function componentVersions(workspace: string, name: string): Promise<Component[]> {
  return allPages((pageToken) => trellis.list(workspace, 'component', { name, limit: 200, ...(pageToken ? { pageToken } : {}) }));
}

/** The studio page of a component reference as a step's job records it (`<name>:<version>`, or a name alone). */
export function componentPagePath(workspace: string, reference: string): string {
  const [name = '', version] = reference.split(':');
  return `/w/${workspace}/components/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
}
