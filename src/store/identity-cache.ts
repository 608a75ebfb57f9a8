import type { StoredPrincipal, StoredToken } from './identity-records.js';

/**
 * What every authenticated request looks up, remembered for a few seconds: a token's record by its
 * hash, and a principal by its name. Any change that could make a remembered answer wrong (a
 * revocation, a deleted principal) moves the generation on, in this process at once and again when
 * its transaction commits, so nothing remembered from before it is served after it: a revoked
 * token is refused on the next call. One server process holds the store; a second process would
 * see another's revocations only after `ttlMs`.
 */
export class IdentityCache {
  private generation = 0;
  private readonly tokens = new Map<string, { record: StoredToken; generation: number; until: number }>();
  private readonly principals = new Map<string, { principal: StoredPrincipal; generation: number; until: number }>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call on any revocation or deletion, and after the transaction that made it commits. */
  changed(): void {
    this.generation++;
    this.tokens.clear();
    this.principals.clear();
  }

  /** The generation to remember a lookup under: read it before the lookup. */
  current(): number {
    return this.generation;
  }

  token(hash: string): StoredToken | undefined {
    const entry = this.tokens.get(hash);
    return entry && entry.generation === this.generation && entry.until > this.now() ? entry.record : undefined;
  }

  rememberToken(hash: string, record: StoredToken, generation: number): void {
    if (generation !== this.generation) return;
    if (this.tokens.size >= 10_000) this.tokens.clear();
    this.tokens.set(hash, { record, generation, until: this.now() + this.ttlMs });
  }

  /** A token was used at `at`: the remembered record says so too (its last use is written at most once a minute). */
  touched(id: string, at: number): void {
    for (const entry of this.tokens.values()) if (entry.record.id === id) entry.record = { ...entry.record, lastUsedAt: at };
  }

  principal(name: string): StoredPrincipal | undefined {
    const entry = this.principals.get(name);
    return entry && entry.generation === this.generation && entry.until > this.now() ? entry.principal : undefined;
  }

  rememberPrincipal(principal: StoredPrincipal, generation: number): void {
    if (generation !== this.generation) return;
    if (this.principals.size >= 10_000) this.principals.clear();
    this.principals.set(principal.name, { principal, generation, until: this.now() + this.ttlMs });
  }
}
