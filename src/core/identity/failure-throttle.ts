/**
 * Slows, then refuses, a client that keeps failing to authenticate: after `slowAfter` failures in
 * the window each answer waits longer (doubling up to `maxDelayMs`); after `refuseAfter` failures
 * the client is refused (429 with Retry-After) until the oldest failure leaves the window.
 * Successful sign-ins do not reset the count: a guesser who also holds one valid token gains nothing.
 */
export interface ThrottleSettings {
  windowMs: number;
  slowAfter: number;
  refuseAfter: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultThrottle: ThrottleSettings = { windowMs: 60_000, slowAfter: 5, refuseAfter: 20, baseDelayMs: 100, maxDelayMs: 2000 };

export type ThrottleVerdict = { kind: 'pass' } | { kind: 'slow'; delayMs: number } | { kind: 'refuse'; retryAfterSeconds: number };

export class FailureThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly settings: ThrottleSettings = defaultThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  /** Before authenticating a client: whether to go on, wait first, or refuse. */
  verdict(client: string): ThrottleVerdict {
    const recent = this.recent(client);
    if (recent.length >= this.settings.refuseAfter) {
      const retryAt = recent[recent.length - this.settings.refuseAfter]! + this.settings.windowMs;
      return { kind: 'refuse', retryAfterSeconds: Math.max(1, Math.ceil((retryAt - this.now()) / 1000)) };
    }
    if (recent.length >= this.settings.slowAfter) {
      const extra = recent.length - this.settings.slowAfter;
      return { kind: 'slow', delayMs: Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** extra) };
    }
    return { kind: 'pass' };
  }

  /** After a failed authentication; answers how many failures the client has in the window. */
  recordFailure(client: string): number {
    const recent = this.recent(client);
    recent.push(this.now());
    this.failures.set(client, recent);
    if (this.failures.size > 10_000) this.forgetOldest();
    return recent.length;
  }

  private recent(client: string): number[] {
    const since = this.now() - this.settings.windowMs;
    const kept = (this.failures.get(client) ?? []).filter((at) => at > since);
    if (kept.length === 0) this.failures.delete(client);
    else this.failures.set(client, kept);
    return kept;
  }

  /** Bounded memory under a flood of addresses: the clients whose last failure is oldest go first. */
  private forgetOldest(): void {
    const byLast = [...this.failures.entries()].sort((a, b) => (a[1].at(-1) ?? 0) - (b[1].at(-1) ?? 0));
    for (const [client] of byLast.slice(0, byLast.length - 5000)) this.failures.delete(client);
  }
}
