/**
 * Who is calling: a user, a service principal, or a job or deployment acting for the user who
 * submitted it. Groups come from the store (groups Trellis keeps) and from an OpenID token's
 * groups claim; role assignments to any of them apply.
 */
export type PrincipalKind = 'user' | 'group' | 'servicePrincipal';

/** How a caller proved who it is. */
export type AuthenticatedVia = 'local' | 'token' | 'oidc' | 'session' | 'job' | 'deployment';

export interface Principal {
  kind: 'user' | 'servicePrincipal';
  /** The principal's name: unique among users and service principals. */
  name: string;
  /** Names of the groups it belongs to. */
  groups: string[];
  via: AuthenticatedVia;
  /**
   * A job or deployment identity: the workspace it is bound to (nothing outside it is allowed)
   * and what it is (`job:<name>`, `deployment:<endpoint>/<deployment>`); its rights are its
   * submitter's, within that workspace.
   */
  boundTo?: { workspace: string; identity: string } | undefined;
}

/** How the audit log names a caller: `user:alice`, `servicePrincipal:ci`, `job:fit-1 for user:alice`. */
export function actorOf(principal: Principal): string {
  const who = `${principal.kind}:${principal.name}`;
  return principal.boundTo ? `${principal.boundTo.identity} for ${who}` : who;
}
