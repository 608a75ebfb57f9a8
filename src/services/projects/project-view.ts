import type { PrincipalKind } from '../../core/identity/principal.js';
import { productionWritesOf } from '../../core/identity/roles/write-actions.js';
import { type ProjectStage, projectStages, projectTag, stageTag } from '../../core/projects/project-plan.js';
import type { Repositories } from '../../store/store.js';
import { allRoles } from '../identity/role-catalogue.js';

export interface ProjectAssignmentView {
  id: string;
  principal: string;
  principalKind: PrincipalKind;
  role: string;
  /** The role grants production writes (models, data, jobs, endpoints). */
  writes: boolean;
}

export interface ProjectWorkspaceView {
  name: string;
  stage: ProjectStage;
  /** The role assignments at the workspace itself (server-wide ones apply too, but belong to no project). */
  assignments: ProjectAssignmentView[];
}

export interface ProjectView {
  name: string;
  workspaces: ProjectWorkspaceView[];
  /** What breaks the project's rule that only service principals write in prod, one line each. */
  warnings: string[];
}

/** Every project: the workspaces tagged with one, grouped by it, in name order. */
export async function listProjectViews(repositories: Repositories): Promise<ProjectView[]> {
  const names = new Set<string>();
  for (const workspace of await allWorkspaces(repositories)) {
    const project = workspace.tags[projectTag];
    if (project !== undefined && isStage(workspace.tags[stageTag])) names.add(project);
  }
  const views = await Promise.all([...names].sort().map((name) => projectViewOf(repositories, name)));
  return views.filter((view) => view !== undefined);
}

/** A project by name: its tagged workspaces and who holds which role there; undefined when no workspace carries it. */
export async function projectViewOf(repositories: Repositories, project: string): Promise<ProjectView | undefined> {
  const [roles, principals] = await Promise.all([allRoles(repositories.identity), repositories.identity.listPrincipals()]);
  const kindOf = new Map(principals.map((principal) => [principal.name, principal.kind]));
  const workspaces: ProjectWorkspaceView[] = [];
  for (const stage of projectStages) {
    const workspace = await repositories.workspaces.get(`${project}-${stage}`);
    if (!workspace || workspace.tags[projectTag] !== project || workspace.tags[stageTag] !== stage) continue;
    const assignments = await repositories.identity.listAssignments({ scope: `/workspaces/${workspace.name}` });
    workspaces.push({
      name: workspace.name,
      stage,
      assignments: assignments
        .map((assignment) => {
          const role = roles.find((candidate) => candidate.id === assignment.roleId);
          return {
            id: assignment.id,
            principal: assignment.principal,
            principalKind: kindOf.get(assignment.principal) ?? 'user',
            role: role?.name ?? assignment.roleId,
            writes: role !== undefined && productionWritesOf(role).length > 0,
          };
        })
        .sort((a, b) => a.principal.localeCompare(b.principal) || a.role.localeCompare(b.role)),
    });
  }
  if (workspaces.length === 0) return undefined;
  const warnings = workspaces
    .filter((workspace) => workspace.stage === 'prod')
    .flatMap((workspace) =>
      workspace.assignments
        .filter((assignment) => assignment.writes && assignment.principalKind !== 'servicePrincipal')
        .map(
          (assignment) =>
            `${assignment.principalKind} '${assignment.principal}' holds '${assignment.role}' in '${workspace.name}', which writes there; only the CI service principal should (trellis role assignment delete ${assignment.id})`,
        ),
    );
  return { name: project, workspaces, warnings };
}

function isStage(value: string | undefined): value is ProjectStage {
  return value !== undefined && (projectStages as readonly string[]).includes(value);
}

async function allWorkspaces(repositories: Repositories) {
  const all = [];
  let pageToken: string | undefined;
  do {
    const page = await repositories.workspaces.list(500, pageToken);
    all.push(...page.items);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return all;
}
