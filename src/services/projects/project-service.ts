import { randomUUID } from 'node:crypto';
import { TrellisError } from '../../core/errors.js';
import {
  checkProjectName,
  defaultCiPrincipal,
  desiredAssignments,
  planAssignments,
  type ProjectStage,
  projectStages,
  projectTag,
  stageConflict,
  stageTag,
  workspaceOfStage,
} from '../../core/projects/project-plan.js';
import { workspaceType } from '../../core/policy/policy-target.js';
import type { Repositories } from '../../store/store.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';
import { auditIdentityChange } from '../identity/identity-audit.js';
import { allRoles } from '../identity/role-catalogue.js';
import { enforcePolicies } from '../policy/policy-enforcement.js';
import { checkPrincipalName } from '../identity/principal-service.js';
import { type IssuedToken, issueAuditedToken, maxTokenSeconds, parseDuration } from '../identity/token-service.js';
import { type ProjectView, projectViewOf } from './project-view.js';

export interface ProjectRequest {
  name: string;
  /** Users or groups: Data Scientists in dev, Readers in prod. */
  members: string[];
  /** The CI service principal; default `<name>-ci`, created when missing. */
  ciPrincipal?: string | undefined;
  /** How long the CI principal's token lives, when one is issued (e.g. 90d). */
  tokenExpiresIn: string;
}

export interface ProjectCreation extends ProjectView {
  /** What this call changed, one line each; empty when the project already was as asked. */
  changes: string[];
  /** The CI principal's token: only when this call issued one (shown once; only its hash is kept). */
  ciToken: IssuedToken | null;
}

/** The name of the token a project issues to its CI principal: one live token of this name is enough. */
export const ciTokenName = (project: string) => `project-${project}`;

/**
 * Creates a project's dev and prod workspaces and its role assignments, or converges an existing
 * one to them: missing workspaces, principals and assignments are added, nothing is duplicated
 * or removed. All of it in one transaction, so a refused member or a conflicting workspace leaves
 * nothing behind. The caller's rights are checked by the route before this runs.
 */
export async function createProject(context: Context, caller: Caller, request: ProjectRequest): Promise<ProjectCreation> {
  const problem = checkProjectName(request.name);
  if (problem) throw new TrellisError('InvalidName', 400, problem.message, { problems: [problem] });
  const ci = request.ciPrincipal ?? defaultCiPrincipal(request.name);
  const ciProblem = checkPrincipalName(ci);
  if (ciProblem) throw new TrellisError('InvalidName', 400, ciProblem, { problems: [{ path: 'ciPrincipal', message: ciProblem }] });
  const expiresInSeconds = parseDuration(request.tokenExpiresIn);
  if (expiresInSeconds === undefined || expiresInSeconds > maxTokenSeconds)
    throw new TrellisError(
      'InvalidExpiry',
      400,
      `tokenExpiresIn '${request.tokenExpiresIn}' is not a duration of at most 365d; use e.g. 90d`,
    );
  const policed = await policedWorkspaces(context, request.name);
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const changes: string[] = [];
    await requireMembers(repositories, request.members);
    for (const stage of projectStages)
      changes.push(...(await ensureStageWorkspace(repositories, caller, request.name, stage, policed.get(stage), now)));
    const ciCreated = await ensureCiPrincipal(repositories, caller, ci, now);
    if (ciCreated) changes.push(`created service principal '${ci}'`);
    changes.push(...(await ensureAssignments(repositories, caller, request.name, request.members, ci, now)));
    const ciToken = await issueCiTokenIfNone(repositories, caller, request.name, ci, expiresInSeconds, now);
    if (ciToken) changes.push(`issued token '${ciToken.record.name}' (${ciToken.record.id}) for '${ci}'`);
    const view = await projectViewOf(repositories, request.name);
    if (!view) throw new Error(`project '${request.name}' has no workspaces right after it was created`);
    return { ...view, changes, ciToken };
  });
}

type WorkspaceDraft = { spec: Record<string, unknown>; tags: Record<string, string> };

const stageTags = (project: string, stage: ProjectStage) => ({ [projectTag]: project, [stageTag]: stage });

/**
 * The workspaces still to make, as policies shape them: as for any workspace made through apply,
 * a deny refuses the project before anything is made and a modify changes the spec or tags (the
 * project's own tags stay). Read before the transaction, which holds SQLite's one connection.
 */
async function policedWorkspaces(context: Context, project: string): Promise<Map<ProjectStage, WorkspaceDraft>> {
  const drafts = new Map<ProjectStage, WorkspaceDraft>();
  for (const stage of projectStages) {
    const name = workspaceOfStage(project, stage);
    if (await context.store.repositories.workspaces.get(name)) continue;
    const tags = stageTags(project, stage);
    const enforced = await enforcePolicies(context, { type: workspaceType, workspace: name, name, tags, spec: {} }, `workspace '${name}'`);
    drafts.set(stage, { spec: enforced.spec ?? {}, tags: { ...enforced.tags, ...tags } });
  }
  return drafts;
}

/** Members are people: existing users or groups (the CI principal has its own flag). */
async function requireMembers(repositories: Repositories, members: readonly string[]): Promise<void> {
  for (const member of members) {
    const found = await repositories.identity.getPrincipal(member);
    if (!found)
      throw new TrellisError(
        'PrincipalNotFound',
        404,
        `member '${member}' is not a known user or group; create it first (trellis principal create --type user --name ${member}), then run this again`,
        { problems: [{ path: 'members', message: `'${member}' does not exist` }] },
      );
    if (found.kind === 'servicePrincipal')
      throw new TrellisError(
        'MemberIsServicePrincipal',
        400,
        `member '${member}' is a service principal; members are people (users or groups). Automation writes through the project's CI principal (--ci-principal)`,
        { problems: [{ path: 'members', message: `'${member}' is a service principal` }] },
      );
  }
}

async function ensureStageWorkspace(
  repositories: Repositories,
  caller: Caller,
  project: string,
  stage: ProjectStage,
  draft: WorkspaceDraft | undefined,
  now: Date,
): Promise<string[]> {
  const name = workspaceOfStage(project, stage);
  const tags = stageTags(project, stage);
  const existing = await repositories.workspaces.get(name);
  if (!existing) {
    const created = await repositories.workspaces.insert(
      {
        name,
        spec: draft?.spec ?? {},
        status: { notes: [] },
        tags: draft?.tags ?? tags,
        description: `The ${stage} workspace of project '${project}'`,
      },
      caller.actor,
      now.toISOString(),
    );
    await auditChange(repositories, caller, now.toISOString(), 'create', undefined, created, `created for project '${project}'`);
    return [`created workspace '${name}' (stage ${stage})`];
  }
  const conflict = stageConflict(existing, project, stage);
  if (conflict) throw new TrellisError('ProjectConflict', 409, conflict);
  if (existing.tags[projectTag] === project && existing.tags[stageTag] === stage) return [];
  // An existing workspace of the right name, not yet any project's: it joins this one.
  const updated = await repositories.workspaces.update(name, { tags: { ...existing.tags, ...tags } }, now.toISOString(), existing.etag);
  await auditChange(repositories, caller, now.toISOString(), 'update', existing, updated, `joined project '${project}'`);
  return [`tagged existing workspace '${name}' project=${project}, stage=${stage}`];
}

/** Creates the CI service principal when missing; true when it did. Refuses a name held by a user or group. */
async function ensureCiPrincipal(repositories: Repositories, caller: Caller, name: string, now: Date): Promise<boolean> {
  const existing = await repositories.identity.getPrincipal(name);
  if (existing) {
    if (existing.kind !== 'servicePrincipal')
      throw new TrellisError(
        'NotAServicePrincipal',
        400,
        `'${name}' is a ${existing.kind}, not a service principal; name another CI principal with --ci-principal`,
        { problems: [{ path: 'ciPrincipal', message: `'${name}' is a ${existing.kind}` }] },
      );
    return false;
  }
  await repositories.identity.insertPrincipal({
    name,
    kind: 'servicePrincipal',
    displayName: null,
    createdBy: caller.actor,
    createdAt: now.getTime(),
  });
  await auditIdentityChange(
    repositories,
    caller,
    { scope: '/', action: 'create', kind: 'servicePrincipal', name, summary: `created servicePrincipal '${name}' for a project's CI` },
    now,
  );
  return true;
}

async function ensureAssignments(
  repositories: Repositories,
  caller: Caller,
  project: string,
  members: readonly string[],
  ci: string,
  now: Date,
): Promise<string[]> {
  const roles = await allRoles(repositories.identity);
  const existing = (
    await Promise.all(
      projectStages.map((stage) => repositories.identity.listAssignments({ scope: `/workspaces/${workspaceOfStage(project, stage)}` })),
    )
  )
    .flat()
    .map((assignment) => ({ ...assignment, role: roles.find((role) => role.id === assignment.roleId)?.name ?? assignment.roleId }));
  const { missing } = planAssignments(desiredAssignments(project, members, ci), existing);
  const changes: string[] = [];
  for (const wanted of missing) {
    const role = roles.find((candidate) => candidate.name === wanted.role);
    if (!role) throw new Error(`built-in role '${wanted.role}' is missing from the catalogue`);
    const id = randomUUID();
    await repositories.identity.insertAssignment({
      id,
      roleId: role.id,
      principal: wanted.principal,
      scope: wanted.scope,
      createdBy: caller.actor,
      createdAt: now.getTime(),
    });
    const summary = `assigned '${role.name}' to '${wanted.principal}' at '${wanted.scope}'`;
    await auditIdentityChange(
      repositories,
      caller,
      { scope: wanted.scope, action: 'create', kind: 'roleAssignment', name: id, summary },
      now,
    );
    changes.push(summary);
  }
  return changes;
}

/** Issues the CI principal a token unless it holds a live one of the project's; a lost one is replaced with trellis token create. */
async function issueCiTokenIfNone(
  repositories: Repositories,
  caller: Caller,
  project: string,
  ci: string,
  expiresInSeconds: number,
  now: Date,
): Promise<IssuedToken | null> {
  const name = ciTokenName(project);
  const live = (await repositories.identity.listTokens(ci, ['pat'])).find(
    (token) => token.name === name && token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now.getTime()),
  );
  if (live) return null;
  return issueAuditedToken(repositories, caller, { principal: ci, name, expiresInSeconds }, now);
}
