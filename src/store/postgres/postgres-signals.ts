import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import { channelOf, type SignalHandlers, type Signals, type Subscription } from '../signals.js';

/** How long a listener waits before it connects again after losing its connection. */
const reconnectDelayMs = 1_000;

/**
 * Signals over PostgreSQL: NOTIFY on a channel per topic (through the store's pool), and LISTEN
 * on a connection of its own per subscription, which is made again when it drops. A
 * notification reaches every session listening on that channel in the same database, after
 * the sender's transaction commits; published outside a transaction, at once.
 */
export class PostgresSignals implements Signals {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly url: string,
  ) {}

  async publish(topic: string): Promise<void> {
    await sql`select pg_notify(${channelOf(topic)}, '')`.execute(this.db);
  }

  /** Resolves once listening; a first connection that fails rejects (the database named in the error). */
  async subscribe(topics: readonly string[], handlers: SignalHandlers): Promise<Subscription> {
    const listener = new Listener(this.url, topics, handlers);
    await listener.connect();
    return listener;
  }
}

class Listener implements Subscription {
  private readonly topicOf = new Map<string, string>();
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    topics: readonly string[],
    private readonly handlers: SignalHandlers,
  ) {
    for (const topic of topics) this.topicOf.set(channelOf(topic), topic);
  }

  async connect(): Promise<void> {
    // keepAlive: a connection dropped by the network without a word is noticed, and made again.
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    client.on('notification', (message) => {
      const topic = this.topicOf.get(message.channel);
      if (topic !== undefined) this.handlers.onMessage(topic);
    });
    client.on('error', (error) => {
      this.handlers.onError?.(error);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      // Channel names are made by channelOf (letters, digits, underscores): safe as identifiers.
      for (const channel of this.topicOf.keys()) await client.query(`listen ${channel}`);
    } catch (error) {
      await client.end().catch((endError: unknown) => this.handlers.onError?.(asError(endError)));
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  /** The connection went: make it again after a pause, until closed. */
  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    client.end().catch((error: unknown) => this.handlers.onError?.(asError(error)));
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.retry = setTimeout(() => {
      this.connect().then(
        () => {
          if (!this.closed) this.handlers.onReconnect?.();
        },
        (error: unknown) => {
          this.handlers.onError?.(asError(error));
          if (!this.closed) this.reconnectLater();
        },
      );
    }, reconnectDelayMs);
    this.retry.unref();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
