import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * How to print a large text: straight to file descriptor 1 when standard output is a file (or a
 * device such as /dev/null), else through process.stdout. process.stdout writes a string to a file
 * by first copying it into a new Buffer (for a 50 MB report, fifty fresh megabytes of memory, and
 * garbage collections for them); fs.writeSync encodes it into memory it reuses. Both write
 * synchronously. A pipe or a terminal keeps process.stdout: Node makes a pipe non-blocking, where
 * fs.writeSync could fail with EAGAIN once the reader falls behind.
 */
export function standardOutput(): (text: string) => void {
  if (isDirectFile())
    return (text) => {
      writeSync(1, text);
    };
  return (text) => {
    process.stdout.write(text);
  };
}

function isDirectFile(): boolean {
  try {
    const info = fstatSync(1);
    return info.isFile() || (info.isCharacterDevice() && !isatty(1));
  } catch {
    // No standard output to look at (closed): process.stdout says what it says about that.
    return false;
  }
}
