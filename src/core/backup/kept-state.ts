/**
 * Which files of a data directory a backup keeps. The rule is "everything, except what Trellis
 * rebuilds by itself or takes another way": an unknown file is kept, so state added later is not
 * lost by default. Paths are relative to the data directory, '/'-separated.
 */

/** What is left out, and why (docs/backup-and-restore.md lists the same). */
export const rebuiltState: ReadonlyArray<{ pattern: RegExp; what: string; why: string; isWholeFolder?: boolean }> = [
  {
    pattern: /^trellis\.db(-wal|-shm|-journal)?$/,
    what: 'trellis.db and its -wal/-shm files',
    why: 'the metadata is taken with SQLite’s online backup API instead, as one consistent snapshot',
  },
  { pattern: /^owner-token$/, what: 'owner-token', why: 'a new owner token is issued at every start' },
  {
    pattern: /^environments(\/|$)/,
    isWholeFolder: true,
    what: 'environments/',
    why: 'built Python environments, a cache rebuilt from their specs on first use',
  },
  {
    pattern: /^serving(\/|$)/,
    isWholeFolder: true,
    what: 'serving/',
    why: 'working folders of running deployments; the serving controller redeploys every endpoint from the metadata',
  },
  {
    pattern: /^artifacts\/workspaces\/[^/]+\/tmp(\/|$)/,
    isWholeFolder: true,
    what: 'artifacts/workspaces/*/tmp/',
    why: 'writes that had not finished',
  },
  {
    pattern: /^jobs\/[^/]+\/[^/]+\/attempt-[^/]+\/(?!user_logs(\/|$))/,
    what: 'jobs/*/*/attempt-*/ except user_logs/',
    why: 'code and inputs are written again from the artifact store when a job runs; outputs and checkpoints were saved there',
  },
  {
    pattern: /^compute-instances\/[^/]+\/[^/]+\/(?!files(\/|$))/,
    what: 'compute-instances/*/* except files/',
    why: 'the tools and CLI settings of an instance are written again when it starts; files/ (the notebooks) is kept',
  },
];

/**
 * Whether a backup keeps the file at `path`. `leaveOut` names more paths, for files that are
 * elsewhere by configuration (a SQLite database under another name, the backup folder itself).
 */
export function isKept(path: string, leaveOut: (path: string) => boolean = () => false): boolean {
  return !leaveOut(path) && !rebuiltState.some((rule) => rule.pattern.test(path));
}

/** Whether a folder can hold nothing a backup keeps, so a walk need not enter it. */
export function isRebuiltFolder(path: string): boolean {
  return rebuiltState.some((rule) => rule.isWholeFolder === true && rule.pattern.test(`${path}/`));
}
