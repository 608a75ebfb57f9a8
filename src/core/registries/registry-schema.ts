import { z } from 'zod';
import { azureEnum, closedObject, resourceFields } from '../azureml/schema-helpers.js';

/** Azure records where a registry's storage lives; Trellis keeps every region's copy in its one artifact store. */
const storageConfig = closedObject({
  storage_account_hns: z.boolean().optional(),
  storage_account_type: z.string().optional(),
  arm_resource_id: z.string().optional(),
  replicated_ids: z.array(z.string()).optional(),
  replication_count: z.number().int().min(1).optional(),
});

const replicationLocation = closedObject({
  location: z.string().min(1),
  storage_config: storageConfig.optional(),
  acr_config: z.array(z.unknown()).optional(),
});

/**
 * An Azure ML registry file (`az ml registry create --file registry.yml`): a name, a primary
 * location and the locations assets replicate to. Trellis serves every location from one store,
 * so the locations are recorded, and the rest of the file is what Azure's schema allows.
 */
export const registrySchema = closedObject({
  ...resourceFields,
  location: z.string().min(1).optional(),
  replication_locations: z.array(replicationLocation).optional(),
  public_network_access: azureEnum(['Enabled', 'Disabled']).optional(),
  intellectual_property: closedObject({ publisher: z.string(), protection_level: azureEnum(['all', 'none']).optional() }).optional(),
  managed_resource_group: z.string().optional(),
  display_name: z.string().optional(),
  identity: z.unknown().optional(),
});

export type RegistryFile = z.output<typeof registrySchema>;

/** What a registry keeps besides its name, tags and description. */
export interface RegistrySpec {
  location: string | null;
  replication_locations: Array<{ location: string; storage_config?: Record<string, unknown> | undefined }>;
  public_network_access: 'Enabled' | 'Disabled';
  intellectual_property?: { publisher: string; protection_level?: 'all' | 'none' | undefined } | undefined;
}

/** The spec of a parsed registry file: the primary location replicates to itself when no list is given, as Azure does. */
export function registrySpecOf(file: RegistryFile): RegistrySpec {
  const location = file.location ?? file.replication_locations?.[0]?.location ?? null;
  const replication = file.replication_locations ?? (location ? [{ location }] : []);
  return {
    location,
    replication_locations: replication.map((entry) => ({
      location: entry.location,
      ...(entry.storage_config ? { storage_config: { ...entry.storage_config } } : {}),
    })),
    public_network_access: file.public_network_access ?? 'Enabled',
    ...(file.intellectual_property ? { intellectual_property: file.intellectual_property } : {}),
  };
}

/** A registry as kept and answered. */
export interface Registry {
  name: string;
  spec: RegistrySpec;
  tags: Record<string, string>;
  description: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}
