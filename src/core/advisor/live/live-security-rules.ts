import { productionWritesOf } from '../../identity/roles/write-actions.js';
import { isProductionWorkspace } from '../production.js';
import { seedLines } from '../seed-lines.js';
import { defineLiveRule, type LiveRule, span } from './live-rule.js';
import { type InstallationFacts, type LiveSnapshot, liveWindows, type RoleAssignmentFacts } from './live-snapshot.js';

/** Whether a URL's host is this machine only. */
function isLoopbackUrl(url: string): boolean {
  const host =
    URL.parse(url)
      ?.hostname.replace(/^\[|\]$/g, '')
      .toLowerCase() ?? '';
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const installationOf = (snapshot: LiveSnapshot) => (snapshot.installation ? [snapshot.installation] : []);

const localAuthReachable = defineLiveRule({
  id: 'TRL-SEC-101',
  pillar: 'security',
  severity: 'high',
  title: 'Local authentication is on while the server is reachable from other machines',
  seed: seedLines.disableLocalAuth,
  why: 'With local authentication on, a request from the server machine itself acts as its owner without a credential. Published through a proxy on the same machine (public_url), every request the proxy forwards comes from loopback: anyone who reaches the proxy is the owner, and the audit log cannot tell them apart. (Listening beyond loopback with it on is refused at start.)',
  fix: 'Set auth.local: false in config.yaml (or TRELLIS_DISABLE_LOCAL_AUTH=true) and sign in with tokens or OpenID Connect.',
  appliesTo: 'the server (evaluated for callers who may read its role assignments)',
  subjects: installationOf,
  resource: (installation) => ({ kind: 'server', name: installation.host }),
  check(installation) {
    if (!installation.localAuth) return [];
    if (!installation.listensOnLoopbackOnly)
      return [`auth.local is on and the server listens on ${installation.host}: requests from this machine act as the owner`];
    if (installation.publicUrl !== null && !isLoopbackUrl(installation.publicUrl))
      return [
        `auth.local is on and the server is published at ${installation.publicUrl}: what a proxy on this machine forwards arrives from loopback and acts as the owner without a credential`,
      ];
    return [];
  },
});

const plainHttpBeyondLoopback = defineLiveRule({
  id: 'TRL-SEC-105',
  pillar: 'security',
  severity: 'high',
  title: 'Server is reachable from other machines over plain HTTP',
  seed: seedLines.encryption,
  why: 'Every request carries a bearer token (or a session cookie) and the data it reads or writes; over plain HTTP anyone on the network path reads them, and a token read is a token used.',
  fix: 'Serve HTTPS (--tls-cert and --tls-key, or TRELLIS_TLS_CERT and TRELLIS_TLS_KEY), or publish the server through a proxy that terminates TLS and set public_url to its https:// address.',
  appliesTo: 'the server (evaluated for callers who may read its role assignments)',
  subjects: installationOf,
  resource: (installation) => ({ kind: 'server', name: installation.host }),
  check(installation) {
    if (!installation.listensOnLoopbackOnly && !installation.servesTls)
      return [`the server listens on ${installation.host} over plain HTTP: tokens and data cross the network in the clear`];
    if (installation.publicUrl?.startsWith('http:') && !isLoopbackUrl(installation.publicUrl))
      return [`the server is published at ${installation.publicUrl}, plain HTTP: clients send their tokens in the clear`];
    return [];
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

const peopleWriteInProduction = defineLiveRule({
  id: 'TRL-SEC-106',
  pillar: 'security',
  severity: 'high',
  title: 'People can write in a production workspace',
  seed: seedLines.leastPrivilegeAccess,
  why: "Azure ML's MLOps guidance keeps production apart: what it serves is released by an automated pipeline under a service principal, and people only read it. A user or group that may register models, submit jobs or change endpoints there can put an unreviewed model in front of customers, by mistake or with a stolen credential.",
  fix: 'Give people Reader in the production workspace (trellis role assignment delete <id>, then create Reader) and release through the CI service principal (trellis project create sets this up).',
  appliesTo:
    "production workspaces (tagged stage/env/environment: prod, or named so), for callers who may read the workspace's role assignments; assignments at the workspace itself",
  subjects: (snapshot) => (snapshot.workspaceAssignments && isProductionWorkspace(snapshot.workspace) ? [snapshot.workspace] : []),
  resource: (workspace) => ({ kind: 'workspace', name: workspace.name }),
  check(_workspace, snapshot) {
    return (snapshot.workspaceAssignments ?? [])
      .filter((assignment) => assignment.principalKind !== 'servicePrincipal')
      .flatMap((assignment) => {
        const writes = productionWritesOf(assignment);
        if (writes.length === 0) return [];
        const named = writes.map((action) => action.replace('Microsoft.MachineLearningServices/workspaces/', '')).join(', ');
        return [
          `${assignment.principalKind} '${assignment.principal}' holds '${assignment.role}' here (assignment ${assignment.id}), which grants ${named}`,
        ];
      });
  },
});

export const liveSecurityRules: readonly LiveRule[] = [
  localAuthReachable,
  unencryptedArtifacts,
  broaderThanUsed,
  idleTokens,
  plainHttpBeyondLoopback,
  peopleWriteInProduction,
];
