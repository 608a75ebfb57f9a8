import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { ServingLogger } from './serving-logger.js';

/**
 * An instance's log file (`online-deployment get-logs`): the worker's stdout and stderr, line by
 * line with a timestamp, and what Trellis itself did to the instance. Keeps the last lines of
 * stderr, which name the reason when a worker dies without saying why.
 */
export class InstanceLog {
  private readonly stream: WriteStream;
  private readonly tail: string[] = [];
  private isClosed = false;

  /** `logger` hears once when the file cannot be written (the instance's lines are then lost). */
  constructor(path: string, logger: ServingLogger) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      // Not logged here: the stream below then fails to open too, and its error handler logs why, once.
    }
    this.stream = createWriteStream(path, { flags: 'a' });
    // A log that cannot be written must not take the instance down with it.
    this.stream.on('error', (error) =>
      logger.warn({ err: error, path }, `serving: instance log ${path} cannot be written; the instance's output and notes are lost`),
    );
  }

  /** A line from Trellis about the instance. */
  note(line: string): void {
    if (!this.isClosed) this.stream.write(`${new Date().toISOString()} [trellis] ${line}\n`);
  }

  /** Copies a worker stream into the log, a timestamp before each line. */
  follow(source: Readable, isStderr: boolean): void {
    let partial = '';
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.writeLines(lines, isStderr);
    });
    source.on('end', () => {
      if (partial) this.writeLines([partial], isStderr);
      partial = '';
    });
  }

  /** The last non-empty stderr line, if any. */
  lastError(): string | undefined {
    return this.tail[this.tail.length - 1];
  }

  /** Resolves when everything written is in the file. */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private writeLines(lines: string[], isStderr: boolean): void {
    const stamp = new Date().toISOString();
    let text = '';
    for (const line of lines) {
      text += `${stamp} ${line}\n`;
      if (isStderr && line.trim()) {
        this.tail.push(line.trim());
        if (this.tail.length > 20) this.tail.shift();
      }
    }
    if (text && !this.isClosed) this.stream.write(text);
  }
}
