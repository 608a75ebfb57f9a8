import type { Problem } from '../errors.js';

/**
 * A project is a pair of workspaces, `<name>-dev` and `<name>-prod`, kept apart as Azure ML's MLOps
 * guidance keeps environments apart: people experiment in dev and only read prod; a CI service
 * principal is the one writer in prod. The workspaces carry the project in their tags
 * (`project: <name>`, `stage: dev|prod`), so no table of its own is needed and the advisor's
 * production rules see `stage: prod`. Everything here is pure: what a project should hold.
 */

export const projectStages = ['dev', 'prod'] as const;
export type ProjectStage = (typeof projectStages)[number];

/** The tags that make a workspace part of a project. */
export const projectTag = 'project';
export const stageTag = 'stage';

/** Kept short and lowercase so `<name>-prod` is a workspace name everywhere an Azure workspace name is (at most 33 characters). */
const projectNamePattern = /^[a-z][a-z0-9-]{0,27}$/;

/** What is wrong with a project name, naming the field and the rule; undefined when it is fine. */
export function checkProjectName(name: string): Problem | undefined {
  if (projectNamePattern.test(name) && !name.endsWith('-') && !name.includes('--')) return undefined;
  return {
    path: 'name',
    message: `'${name}' is not a valid project name: use 1-28 lowercase letters, digits and single '-', starting with a letter and not ending with '-' (its workspaces are <name>-dev and <name>-prod)`,
  };
}

export function workspaceOfStage(project: string, stage: ProjectStage): string {
  return `${project}-${stage}`;
}

/** The default name of a project's CI service principal. */
export function defaultCiPrincipal(project: string): string {
  return `${project}-ci`;
}

/**
 * The built-in roles each side holds, by stage. People: AzureML Data Scientist in dev (run jobs,
 * register models, deploy to try things; no compute or workspace changes), Reader in prod.
 * CI: AzureML Data Scientist (jobs, models, data, endpoints and deployments: all a release
 * writes) plus AzureML Compute Operator (the clusters its pipelines create), in both stages.
 * Not Contributor: at a workspace that would also let a leaked CI token delete or re-key the
 * production workspace itself, which no release needs.
 */
export const stageRoles: Readonly<Record<'member' | 'ci', Readonly<Record<ProjectStage, readonly string[]>>>> = {
  member: { dev: ['AzureML Data Scientist'], prod: ['Reader'] },
  ci: { dev: ['AzureML Data Scientist', 'AzureML Compute Operator'], prod: ['AzureML Data Scientist', 'AzureML Compute Operator'] },
};

export interface DesiredAssignment {
  principal: string;
  role: string;
  /** `/workspaces/<name>`. */
  scope: string;
}

/** Every role assignment a project's two workspaces should hold, members first, in a stable order. */
export function desiredAssignments(project: string, members: readonly string[], ciPrincipal: string): DesiredAssignment[] {
  return projectStages.flatMap((stage) => {
    const scope = `/workspaces/${workspaceOfStage(project, stage)}`;
    return [
      ...[...new Set(members)].flatMap((principal) => stageRoles.member[stage].map((role) => ({ principal, role, scope }))),
      ...stageRoles.ci[stage].map((role) => ({ principal: ciPrincipal, role, scope })),
    ];
  });
}

export interface ExistingAssignment {
  id: string;
  principal: string;
  /** The role's name. */
  role: string;
  scope: string;
}

export interface AssignmentPlan {
  /** Assignments to make. */
  missing: DesiredAssignment[];
  /** Desired assignments already there, with their ids. */
  present: ExistingAssignment[];
}

/** What converging needs: the desired assignments not yet there (role names compare case-insensitively, as Azure's do). */
export function planAssignments(desired: readonly DesiredAssignment[], existing: readonly ExistingAssignment[]): AssignmentPlan {
  const keyOf = (assignment: { principal: string; role: string; scope: string }) =>
    `${assignment.principal}\u0000${assignment.role.toLowerCase()}\u0000${assignment.scope}`;
  const byKey = new Map(existing.map((assignment) => [keyOf(assignment), assignment]));
  const missing: DesiredAssignment[] = [];
  const present: ExistingAssignment[] = [];
  for (const assignment of desired) {
    const found = byKey.get(keyOf(assignment));
    if (found) present.push(found);
    else missing.push(assignment);
  }
  return { missing, present };
}

/**
 * Whether a workspace may serve as a project's stage: free (no project tag) or already this
 * project's at this stage. Anything else names the conflict.
 */
export function stageConflict(
  workspace: { name: string; tags: Readonly<Record<string, string>> },
  project: string,
  stage: ProjectStage,
): string | undefined {
  const taggedProject = workspace.tags[projectTag];
  const taggedStage = workspace.tags[stageTag];
  if (taggedProject === undefined) {
    if (taggedStage !== undefined && taggedStage !== stage)
      return `workspace '${workspace.name}' is tagged stage '${taggedStage}', not '${stage}'; fix its tags or pick another project name`;
    return undefined;
  }
  if (taggedProject !== project) return `workspace '${workspace.name}' belongs to project '${taggedProject}'; pick another project name`;
  if (taggedStage !== stage)
    return `workspace '${workspace.name}' is tagged stage '${taggedStage ?? '(none)'}' in project '${project}', not '${stage}'; fix its tags`;
  return undefined;
}
