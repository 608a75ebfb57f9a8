import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** An environment's build.log: every line goes to the file and to the caller, and the last ones are kept for an error message. */
export interface BuildLog {
  path: string;
  write(text: string): void;
  /** Copies a child process stream into the log line by line; resolves when it ends. */
  follow(stream: Readable): Promise<void>;
  /** The last `count` lines written. */
  tail(count: number): string[];
  close(): Promise<void>;
}

const kept = 50;

export function openBuildLog(path: string, onLog?: (line: string) => void): BuildLog {
  const file = createWriteStream(path, { flags: 'a' });
  const recent: string[] = [];
  const write = (text: string) => {
    // pip redraws with \r; each redraw is a line for a log file.
    for (const line of text.split(/\r\n|\r|\n/)) {
      file.write(`${line}\n`);
      onLog?.(line);
      recent.push(line);
      if (recent.length > kept) recent.shift();
    }
  };
  return {
    path,
    write,
    async follow(stream) {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      for await (const line of lines) write(line);
    },
    tail: (count) => recent.slice(-count),
    async close() {
      file.end();
      await once(file, 'close');
    },
  };
}
