import { EventEmitter } from 'node:events';
import type { SignalHandlers, Signals, Subscription } from '../signals.js';

/** Signals within this process: on SQLite one server runs, so a signal never has to leave it. */
export class LocalSignals implements Signals {
  private readonly emitter = new EventEmitter();

  async publish(topic: string): Promise<void> {
    // After the caller's own work, as a database round trip would be.
    queueMicrotask(() => this.emitter.emit('signal', topic));
  }

  async subscribe(topics: readonly string[], handlers: SignalHandlers): Promise<Subscription> {
    const wanted = new Set(topics);
    const listener = (topic: string) => {
      if (wanted.has(topic)) handlers.onMessage(topic);
    };
    this.emitter.on('signal', listener);
    return {
      close: async () => {
        this.emitter.off('signal', listener);
      },
    };
  }
}
