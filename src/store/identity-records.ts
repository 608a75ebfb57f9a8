import type { PrincipalKind } from '../core/identity/principal.js';
import type { TokenKind } from '../core/identity/token-format.js';

/** The records of principals and tokens as the identity repository and its cache hold them. */
export interface StoredPrincipal {
  name: string;
  kind: PrincipalKind;
  displayName: string | null;
  createdBy: string;
  createdAt: number;
}

/** A token's record: never the token, only its hash (which is not returned either). */
export interface StoredToken {
  id: string;
  principal: string;
  name: string;
  kind: TokenKind;
  workspace: string | null;
  identity: string | null;
  /** The groups an OpenID Connect sign-in listed, kept with the session it opened. */
  groups: string[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}
