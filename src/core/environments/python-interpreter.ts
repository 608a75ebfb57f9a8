import { TrellisError } from '../errors.js';

/** A Python found on this machine (see src/environments/find-interpreters.ts). */
export interface PythonInterpreter {
  /** The executable to run, e.g. /usr/bin/python3.11. */
  path: string;
  /** Full version, e.g. "3.11.7". */
  version: string;
}

export interface InterpreterChoice {
  interpreter: PythonInterpreter;
  /** "3.11": what the environment's cache key records, so a patch upgrade keeps the cache. */
  minor: string;
  /** A line for the build log when the requested minor is not installed here. */
  warning: string | undefined;
}

type Numbers = [major: number, minor: number | undefined, patch: number | undefined];

/**
 * Picks the interpreter for a requested Python version ("3.10", "3.8.13", "3" or null):
 * the same minor when installed (the exact patch if asked and present, else the newest patch),
 * otherwise the nearest minor, the newer one on a tie, with a warning, because a job that asked
 * for 3.8 still runs on 3.9 more often than not. With no request, the first interpreter (the
 * machine's default python3) is used. `available` is in preference order.
 */
export function chooseInterpreter(requested: string | null, available: readonly PythonInterpreter[]): InterpreterChoice {
  const candidates = available.flatMap((interpreter) => {
    const numbers = versionNumbers(interpreter.version);
    return numbers && numbers[1] !== undefined ? [{ interpreter, major: numbers[0], minor: numbers[1], patch: numbers[2] ?? 0 }] : [];
  });
  const first = candidates[0];
  if (first === undefined) {
    throw new TrellisError(
      'PythonNotFound',
      503,
      'no Python 3 with the venv module was found on this machine; install one (e.g. apt-get install python3 python3-venv), or point TRELLIS_PYTHON at it',
    );
  }
  const wanted = requested === null ? undefined : versionNumbers(requested);
  const choose = (pick: (typeof candidates)[number], warning?: string): InterpreterChoice => ({
    interpreter: pick.interpreter,
    minor: `${pick.major}.${pick.minor}`,
    warning,
  });
  if (wanted === undefined) return choose(first);
  const [major, minor, patch] = wanted;
  if (minor === undefined) {
    const sameMajor = candidates.find((candidate) => candidate.major === major);
    if (sameMajor) return choose(sameMajor);
  } else {
    const sameMinor = candidates.filter((candidate) => candidate.major === major && candidate.minor === minor);
    const exact = sameMinor.find((candidate) => candidate.patch === patch);
    const newest = newestPatch(sameMinor);
    if (exact) return choose(exact);
    if (newest) return choose(newest);
  }
  const target = major * 100 + (minor ?? 0);
  const distance = (candidate: (typeof candidates)[number]) => Math.abs(candidate.major * 100 + candidate.minor - target);
  const nearest = Math.min(...candidates.map(distance));
  const closest = candidates.filter((candidate) => distance(candidate) === nearest);
  const newerMinor = Math.max(...closest.map((candidate) => candidate.major * 100 + candidate.minor));
  const pick = newestPatch(closest.filter((candidate) => candidate.major * 100 + candidate.minor === newerMinor)) ?? first;
  return choose(
    pick,
    `python ${requested} was requested but is not installed here; using ${pick.interpreter.version} (${pick.interpreter.path}) instead — packages pinned for ${requested} may not install`,
  );
}

function newestPatch<T extends { patch: number }>(candidates: T[]): T | undefined {
  return candidates.reduce<T | undefined>(
    (best, candidate) => (best === undefined || candidate.patch > best.patch ? candidate : best),
    undefined,
  );
}

function versionNumbers(version: string): Numbers | undefined {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  return [Number(match[1]), number(match[2]), number(match[3])];
}
