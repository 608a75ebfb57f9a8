import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';

/**
 * A CommonJS bundle run with V8's code cache: the bytecode of the functions a run compiled, saved
 * beside the bundle, so that the next run neither parses the bundle nor compiles those functions
 * again. Node 22's module.enableCompileCache does this for every module; Node 20 has no such switch,
 * so `trellis advisor check`, which CI runs on every push, loads its bundle this way (main.ts).
 * The cache is named by the bundle's checksum: a rebuilt bundle finds no cache until one is made
 * for it, and V8 itself refuses a cache made by another Node or V8 version (the bundle then compiles
 * as it would without one).
 */
export interface CachedBundle {
  /** What the bundle exports (module.exports). */
  exports: unknown;
  /** Whether a cache was found and V8 took it. */
  isCached: boolean;
  /** Writes the code cache of everything compiled so far (after a run that used what later runs use). */
  saveCache(): void;
}

/** The cache of the bundle whose text is `source`. */
function cachePath(bundlePath: string, source: string): string {
  return `${bundlePath}.${crc32(source).toString(16)}.cache`;
}

/** Runs the CommonJS bundle at `bundlePath` (its top level, as require would), with its code cache when there is one. */
export function loadCachedBundle(bundlePath: string): CachedBundle {
  const source = readFileSync(bundlePath, 'utf8');
  const cache = cachePath(bundlePath, source);
  const cachedData = existsSync(cache) ? readFileSync(cache) : undefined;
  // The same wrapper as require's, so the bundle sees the same exports, require, module, __filename and __dirname.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const bundleModule: { exports: unknown } = { exports: {} };
  const run: unknown = script.runInThisContext();
  if (typeof run !== 'function') throw new Error(`${bundlePath} did not compile to a module function`);
  run(bundleModule.exports, createRequire(bundlePath), bundleModule, bundlePath, dirname(bundlePath));
  return {
    exports: bundleModule.exports,
    isCached: cachedData !== undefined && !script.cachedDataRejected,
    saveCache: () => writeFileSync(cache, script.createCachedData()),
  };
}
