/**
 * Wakes between servers: a server that changed something a controller acts on (a job submitted,
 * a schedule changed) says so on a topic, and the server whose controllers run hears it and
 * reconciles at once instead of at its next tick. Best effort: a signal lost (a listener
 * reconnecting) only delays the work until that tick. PostgreSQL carries them with NOTIFY and
 * LISTEN; on SQLite, one server alone, they stay in the process.
 */
export interface Signals {
  /** Tells every listening server (this one too) that `topic` has news. */
  publish(topic: string): Promise<void>;
  /**
   * Hears `topics` from any server until closed. `onMessage` gets the topic; `onReconnect` is
   * called after a lost connection was made again (signals sent meanwhile were missed);
   * `onError` hears what went wrong while listening (the listener goes on trying).
   */
  subscribe(topics: readonly string[], handlers: SignalHandlers): Promise<Subscription>;
}

export interface SignalHandlers {
  onMessage(topic: string): void;
  onReconnect?(): void;
  onError?(error: Error): void;
}

export interface Subscription {
  close(): Promise<void>;
}

/** A topic as a PostgreSQL channel: `trellis_` and the topic, dashes as underscores (`job-runner` → `trellis_job_runner`). */
export function channelOf(topic: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(topic)) throw new Error(`'${topic}' is not a signal topic (lowercase letters, digits and dashes)`);
  return `trellis_${topic.replaceAll('-', '_')}`;
}
