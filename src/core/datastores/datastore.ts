import type { DatastoreCredentialType, DatastoreSpec } from './datastore-schema.js';

/** A datastore as Trellis answers it: never its secret, only how it signs in. */
export interface Datastore {
  workspace: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  /** For the built-in ones: `trellis` (the workspace's own artifact store), with the prefix they cover. */
  spec: DatastoreSpec | { type: 'trellis'; prefix: string };
  credentials: { type: DatastoreCredentialType };
  /** workspaceblobstore and workspaceartifactstore: made with the workspace, not deletable. */
  isBuiltIn: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}
