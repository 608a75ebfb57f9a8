import { seedLines } from '../seed-lines.js';
import { defineLiveRule, type LiveRule, span } from './live-rule.js';
import { type InstallationFacts, liveWindows, type RoleAssignmentFacts } from './live-snapshot.js';

const localAuthBeyondLoopback = defineLiveRule({
  id: 'TRL-SEC-101',
  pillar: 'security',
  severity: 'high',
  title: 'Local authentication is on while the server listens beyond loopback',
  seed: seedLines.disableLocalAuth,
  why: 'With local authentication on, any request from the server machine itself acts as its owner without a credential; once the server listens on the network, every other user, process or proxy on that machine is an owner too, and nothing in the audit log tells them apart.',
  fix: 'Set auth.local: false in config.yaml (or TRELLIS_DISABLE_LOCAL_AUTH=1), and sign in with tokens or OpenID Connect.',
  appliesTo: 'the server (evaluated for callers who may read its role assignments)',
  subjects: (snapshot) => (snapshot.installation ? [snapshot.installation] : []),
  resource: (installation) => ({ kind: 'server', name: installation.host }),
  check(installation) {
    if (!installation.localAuth || installation.listensOnLoopbackOnly) return [];
    return [
      `auth.local is on and the server listens on ${installation.host}: requests from this machine act as the owner without a credential`,
    ];
  },
});

const unencryptedArtifacts = defineLiveRule({
  id: 'TRL-SEC-102',
  pillar: 'security',
  severity: 'medium',
  title: 'Workspace keeps its artifacts unencrypted at rest',
  seed: seedLines.encryption,
  why: "Secrets are always sealed, but a workspace's artifacts (data, models, run outputs, collected requests) are written in the clear unless the workspace asks for encryption: anyone who reads the disk or a backup reads them.",
  fix: 'Set hbi_workspace: true, or a customer_managed_key, in the workspace YAML and apply it (new artifacts are sealed from then on).',
  appliesTo: 'workspaces that hold data, models, code, jobs or endpoints',
  subjects: (snapshot) => {
    const { holdings } = snapshot.workspace;
    return holdings.assets + holdings.jobs + holdings.endpoints > 0 ? [snapshot.workspace] : [];
  },
  resource: (workspace) => ({ kind: 'workspace', name: workspace.name }),
  check(workspace) {
    if (workspace.encryptsArtifacts) return [];
    const { assets, jobs, endpoints } = workspace.holdings;
    const held = [
      assets > 0 ? `${assets} asset version(s)` : '',
      jobs > 0 ? `${jobs} job(s)` : '',
      endpoints > 0 ? `${endpoints} endpoint(s)` : '',
    ].filter(Boolean);
    return [`neither hbi_workspace nor customer_managed_key is set: the artifacts of ${held.join(', ')} are stored in the clear`];
  },
});

/** The server-scope assignments of broad roles, but the only Owner (someone must be able to assign roles). */
function broadServerAssignments(installation: InstallationFacts | undefined, now: number): RoleAssignmentFacts[] {
  if (!installation) return [];
  const owners = installation.serverAssignments.filter((assignment) => assignment.isOwner);
  return installation.serverAssignments.filter(
    (assignment) =>
      assignment.isBroad &&
      !(owners.length === 1 && owners[0] === assignment) &&
      // Judged once it has had the whole window to be used.
      assignment.createdAt <= now - liveWindows.activity,
  );
}

const broaderThanUsed = defineLiveRule({
  id: 'TRL-SEC-103',
  pillar: 'security',
  severity: 'medium',
  title: 'Server-wide role is broader than its use',
  seed: seedLines.leastPrivilegeAccess,
  why: `Owner or Contributor at the server scope ('/') covers every workspace, present and future. A principal that in ${span(liveWindows.activity)} changed one workspace, or nothing, needs that role there only, or not at all: a stolen credential then reaches one workspace instead of all. Reads are not audited, so use is judged by changes.`,
  fix: 'Assign the role at the one workspace it uses (trellis role assignment create --scope /workspaces/<name>) and delete the server-wide one; delete one that is not used.',
  appliesTo: `server-scope assignments of Owner, Contributor or another role granting '*', older than ${span(liveWindows.activity)}, but the only Owner`,
  subjects: (snapshot) => broadServerAssignments(snapshot.installation, snapshot.now),
  resource: (assignment) => ({ kind: 'role-assignment', name: `${assignment.role} for ${assignment.principal} at ${assignment.scope}` }),
  check(assignment, snapshot) {
    const activity = snapshot.installation?.activity ?? [];
    const actsAs = (actor: string) => assignment.actors.some((who) => actor === who || actor.endsWith(` for ${who}`));
    const scopes = new Set(activity.filter((entry) => actsAs(entry.actor)).flatMap((entry) => entry.scopes));
    if (scopes.has('/') || scopes.size >= 2) return [];
    const days = span(liveWindows.activity);
    if (scopes.size === 0) return [`${assignment.principal} changed nothing in ${days}: ${assignment.role} at '/' is unused`];
    const [only] = [...scopes];
    return [`${assignment.principal} changed only workspace '${only}' in ${days}: ${assignment.role} at /workspaces/${only} would do`];
  },
});

const idleTokens = defineLiveRule({
  id: 'TRL-SEC-104',
  pillar: 'security',
  severity: 'low',
  title: 'Access token unused for 90 days is still valid',
  seed: seedLines.identityBasedAccess,
  why: 'A token nobody uses is a credential nobody would miss, and nobody would notice being used by someone else; it stays valid until it expires, up to a year after it was made.',
  fix: 'Revoke it: trellis token revoke <id> (and create a new one when it is needed again).',
  appliesTo: `personal access tokens, valid and made over ${span(liveWindows.usage)} ago`,
  subjects: (snapshot) => (snapshot.installation?.tokens ?? []).filter((token) => token.createdAt <= snapshot.now - liveWindows.usage),
  resource: (token) => ({ kind: 'token', name: `${token.name} (${token.id}) of ${token.principal}` }),
  check(token, snapshot) {
    if (token.lastUsedAt !== null && token.lastUsedAt > snapshot.now - liveWindows.usage) return [];
    const last = token.lastUsedAt === null ? 'was never used' : `was last used ${span(snapshot.now - token.lastUsedAt)} ago`;
    const expiry = token.expiresAt === null ? 'never expires' : `expires in ${span(token.expiresAt - snapshot.now)}`;
    return [`${last} and ${expiry}`];
  },
});

export const liveSecurityRules: readonly LiveRule[] = [localAuthBeyondLoopback, unencryptedArtifacts, broaderThanUsed, idleTokens];
