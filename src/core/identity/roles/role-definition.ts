import { z } from 'zod';

/**
 * A role definition in Azure's shape: a name, and permission blocks of `actions`, `notActions`,
 * `dataActions` and `notDataActions` (wildcards allowed), assignable at some scopes. Trellis reads
 * the file `az role definition create --role-definition` takes (PascalCase keys) and the ARM shape
 * (`properties.roleName`, `permissions`), so a custom role written for Azure ML applies unchanged.
 */
export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  id: string;
  name: string;
  description: string;
  type: 'BuiltInRole' | 'CustomRole';
  permissions: Permission[];
  /** Trellis scopes: '/' (the server) or '/workspaces/<name>'. */
  assignableScopes: string[];
}

/** An action or a pattern of them: `Provider.Namespace/type[/subtype...]/verb`, `*` anywhere. */
const actionPattern = z
  .string()
  .trim()
  .min(1)
  .regex(
    /^(\*|\*\/[A-Za-z*]+|[A-Za-z][A-Za-z0-9.*]*(\/[A-Za-z0-9*.{}-]+)*)$/,
    "an action looks like 'Microsoft.MachineLearningServices/workspaces/jobs/write' ('*' for any part)",
  );
const actionList = z.array(actionPattern).default([]);

const permissionSchema = z
  .object({
    actions: actionList,
    notActions: actionList,
    dataActions: actionList,
    notDataActions: actionList,
  })
  .strict();

/** `az role definition create` files: PascalCase keys, one implicit permission block. */
const azureCliFile = z
  .object({
    Name: z.string().trim().min(1),
    Id: z.string().optional(),
    IsCustom: z.boolean().optional(),
    Description: z.string().default(''),
    Actions: actionList,
    NotActions: actionList,
    DataActions: actionList,
    NotDataActions: actionList,
    AssignableScopes: z.array(z.string()).min(1, 'AssignableScopes lists where the role can be assigned, e.g. ["/"]'),
  })
  .strict();

/** The ARM shape (`az role definition list` prints it): properties with camelCase keys. */
const armProperties = z
  .object({
    roleName: z.string().trim().min(1),
    description: z.string().default(''),
    type: z.string().optional(),
    permissions: z.array(permissionSchema).min(1),
    assignableScopes: z.array(z.string()).min(1, 'assignableScopes lists where the role can be assigned, e.g. ["/"]'),
  })
  .passthrough();
const armFile = z.object({ properties: armProperties }).passthrough();

export interface ParsedRole {
  name: string;
  description: string;
  permissions: Permission[];
  assignableScopes: string[];
}

/** Reads a custom role file in either of Azure's shapes; problems name the field and the fix. */
export function parseRoleDefinition(input: unknown): { role: ParsedRole } | { problems: string[] } {
  if (typeof input === 'object' && input !== null && 'properties' in input) {
    const parsed = armFile.safeParse(input);
    if (!parsed.success) return { problems: problemsOf(parsed.error, 'properties.') };
    const { roleName, description, permissions, assignableScopes } = parsed.data.properties;
    return scoped({ name: roleName, description, permissions, assignableScopes });
  }
  const parsed = azureCliFile.safeParse(input);
  if (!parsed.success) return { problems: problemsOf(parsed.error, '') };
  const file = parsed.data;
  return scoped({
    name: file.Name,
    description: file.Description,
    permissions: [
      { actions: file.Actions, notActions: file.NotActions, dataActions: file.DataActions, notDataActions: file.NotDataActions },
    ],
    assignableScopes: file.AssignableScopes,
  });
}

function scoped(role: ParsedRole): { role: ParsedRole } | { problems: string[] } {
  const scopes: string[] = [];
  const problems: string[] = [];
  for (const scope of role.assignableScopes) {
    const trellis = trellisScopeOf(scope);
    if (trellis === undefined)
      problems.push(
        `assignable scope '${scope}' is not one Trellis has: use '/' (the server), '/workspaces/<name>', or an Azure ML workspace id (.../providers/Microsoft.MachineLearningServices/workspaces/<name>)`,
      );
    else if (!scopes.includes(trellis)) scopes.push(trellis);
  }
  return problems.length > 0 ? { problems } : { role: { ...role, assignableScopes: scopes } };
}

/**
 * A scope as Trellis names it. Azure's subscription and resource-group scopes hold every workspace
 * here, so they are the server ('/'); an Azure ML workspace's id is that workspace.
 */
export function trellisScopeOf(scope: string): string | undefined {
  const text = scope.trim().replace(/\/+$/, '') || '/';
  if (text === '/') return '/';
  const own = /^\/workspaces\/([^/@][^/]*)$/.exec(text);
  if (own) return `/workspaces/${own[1]}`;
  const registry =
    /^(?:\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices)?\/registries\/([^/]+)$/i.exec(text);
  if (registry) return `/registries/${registry[1]}`;
  const azureWorkspace =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i.exec(text);
  if (azureWorkspace) return `/workspaces/${azureWorkspace[1]}`;
  if (/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?$/i.test(text)) return '/';
  return undefined;
}

/** The workspace a scope names, or undefined for the server scope (and a registry's). */
export function workspaceOfScope(scope: string): string | undefined {
  return scope.startsWith('/workspaces/') ? scope.slice('/workspaces/'.length) : undefined;
}

/** The registry a scope names (`/registries/<name>`), or undefined. */
export function registryOfRoleScope(scope: string): string | undefined {
  return scope.startsWith('/registries/') ? scope.slice('/registries/'.length) : undefined;
}

/** Whether `inner` is `outer` or inside it: every workspace is inside '/'. */
export function scopeContains(outer: string, inner: string): boolean {
  return outer === '/' || outer === inner;
}

function problemsOf(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || '(the file)'}: ${issue.message}`);
}
