import type { Command } from 'commander';
import type { BackupProgress } from '../../backup/backup-progress.js';
import type { ObjectProblem, VerifyReport } from '../../backup/verify-backup.js';
import { loadConfig } from '../../config/config.js';
import { TrellisError } from '../../core/errors.js';
import type { OutputFormat } from '../output.js';
import { printData, renderTable } from '../output.js';

interface HomeOptions {
  home?: string;
}

/** trellis backup / restore: copies of a data directory, taken and put back on this machine (not through the server). */
export function registerBackup(program: Command): void {
  const backup = program
    .command('backup')
    .description(
      'back up the data directory (metadata, artifacts, logs, keys) into a folder or an object store; incremental, safe while the server runs',
    )
    .option(
      '--to <folder|url>',
      'where to keep backups: a folder on another disk, an Azure Blob container URL with a SAS, or s3://<bucket>/<prefix> (backups there share their objects)',
    )
    .option('--home <dir>', 'data directory to back up (TRELLIS_HOME, default ~/.trellis)')
    .action(async (options: HomeOptions & { to?: string }, command: Command) => {
      if (options.to === undefined)
        throw new TrellisError(
          'MissingOption',
          400,
          'say where to keep the backup with --to <folder>, e.g. trellis backup --to /mnt/backups/trellis',
        );
      const [{ takeBackup }, { openBackupTarget }, { metadataSnapshotsFor }, { StoredArtifacts }] = await Promise.all([
        import('../../backup/take-backup.js'),
        import('../../backup/open-target.js'),
        import('../../store/snapshot/open-snapshots.js'),
        import('../../backup/stored-artifacts.js'),
      ]);
      const config = configFor(options);
      // Backups hold the key files and the database: owner-only, as the data directory is.
      process.umask(0o077);
      const summary = await takeBackup({
        home: config.home,
        snapshots: metadataSnapshotsFor(config.home, config.databaseUrl),
        target: await openBackupTarget(options.to, 'write'),
        storedArtifacts: StoredArtifacts.configured(config.artifacts),
        onProgress: reportProgress,
      });
      printData(outputOf(command), summary, () =>
        [
          `backup ${summary.id} written to ${summary.location} in ${summary.seconds.toFixed(1)} s`,
          `  metadata: ${summary.metadata.dialect} at ${summary.metadata.migration}, ${bytes(summary.metadata.bytes)}${summary.metadata.reused ? ' (unchanged since the last backup, not read again)' : summary.metadata.copied ? '' : ' (unchanged)'}`,
          `  files:    ${summary.files} (${bytes(summary.bytes)})${summary.vanished > 0 ? `; ${summary.vanished} went away while copying` : ''}`,
          ...(summary.objectStore
            ? [
                `  of which artifacts in ${summary.objectStore.description}: ${summary.objectStore.files} (${bytes(summary.objectStore.bytes)})`,
              ]
            : []),
          `  objects:  ${summary.copied.objects} copied (${bytes(summary.copied.bytes)}), ${summary.present.objects} already in the backup (${bytes(summary.present.bytes)})`,
          `check it with: trellis backup verify --from ${summary.location} --backup ${summary.id}`,
        ].join('\n'),
      );
    });

  backup
    .command('list')
    .description('list the backups in a folder or object store, oldest first')
    .option('--from <folder|url>', 'the folder, container URL or s3:// location backups were written to')
    .action(async (options: { from?: string }, command: Command) => {
      const from = requireFrom(options.from, 'backup list');
      const { openBackupTarget } = await import('../../backup/open-target.js');
      const target = await openBackupTarget(from, 'read');
      const manifests = await Promise.all((await target.listBackups()).map((id) => target.readManifest(id)));
      const rows = manifests.map((manifest) => ({
        id: manifest.id,
        createdAt: manifest.createdAt,
        trellisVersion: manifest.trellisVersion,
        database: manifest.metadata.dialect,
        migration: manifest.metadata.migration,
        files: manifest.totals.files,
        bytes: manifest.totals.bytes + manifest.metadata.object.size,
        source: `${manifest.source.host}:${manifest.source.home}`,
      }));
      printData(outputOf(command), rows, () =>
        renderTable(
          ['ID', 'TAKEN', 'TRELLIS', 'DATABASE', 'MIGRATION', 'FILES', 'SIZE', 'FROM'],
          rows.map((row) => [
            row.id,
            row.createdAt,
            row.trellisVersion,
            row.database,
            row.migration,
            String(row.files),
            bytes(row.bytes),
            row.source,
          ]),
        ),
      );
    });

  backup
    .command('verify')
    .description('check a backup without restoring it: every object present with the right sha256 and size, and the metadata opens')
    .option('--from <folder|url>', 'the folder, container URL or s3:// location backups were written to')
    .option('--backup <id>', 'which backup (default: the newest; see trellis backup list)')
    .action(async (options: { from?: string; backup?: string }, command: Command) => {
      const from = requireFrom(options.from, 'backup verify');
      const [{ verifyBackup }, { openBackupTarget }, { chooseBackup }] = await Promise.all([
        import('../../backup/verify-backup.js'),
        import('../../backup/open-target.js'),
        import('../../backup/read-backup.js'),
      ]);
      const target = await openBackupTarget(from, 'read');
      const report = await verifyBackup({ target, manifest: await chooseBackup(target, options.backup), onProgress: reportProgress });
      printData(outputOf(command), report, () => verifyText(report));
      if (!report.isSound)
        throw new TrellisError(
          'BackupVerificationFailed',
          422,
          `backup ${report.id} failed verification: ${report.missing.length} missing and ${report.corrupt.length} corrupt object(s)${report.metadataOpens === false ? ', and its metadata does not open' : ''}; restore from another backup (trellis backup list --from ${from})`,
        );
    });

  program
    .command('restore')
    .description(
      'restore a backup into a fresh data directory (stop the server first); the server then redeploys online endpoints as it starts',
    )
    .option('--from <folder|url>', 'the folder, container URL or s3:// location backups were written to')
    .option('--backup <id>', 'which backup (default: the newest; see trellis backup list)')
    .option('--home <dir>', 'data directory to restore into (TRELLIS_HOME, default ~/.trellis)')
    .option('--replace', 'delete what the data directory (and its PostgreSQL database) holds, and put the backup in its place')
    .action(async (options: HomeOptions & { from?: string; backup?: string; replace?: boolean }, command: Command) => {
      const from = requireFrom(options.from, 'restore');
      const [{ restoreBackup }, { openBackupTarget }, { metadataSnapshotsFor }, { StoredArtifacts }] = await Promise.all([
        import('../../backup/restore-backup.js'),
        import('../../backup/open-target.js'),
        import('../../store/snapshot/open-snapshots.js'),
        import('../../backup/stored-artifacts.js'),
      ]);
      const config = configFor(options);
      process.umask(0o077);
      const summary = await restoreBackup({
        home: config.home,
        snapshots: metadataSnapshotsFor(config.home, config.databaseUrl),
        target: await openBackupTarget(from, 'read'),
        id: options.backup,
        replace: options.replace === true,
        // Read again after the files are back: the backup's config.yaml may name the store.
        artifactsInto: () => StoredArtifacts.configured(configFor(options).artifacts),
        onProgress: reportProgress,
      });
      printData(outputOf(command), summary, () =>
        [
          `backup ${summary.id} restored into ${summary.home} in ${summary.seconds.toFixed(1)} s`,
          `  metadata: ${summary.metadata.dialect} at ${summary.metadata.migration} → ${summary.metadata.location}`,
          `  files:    ${summary.files} (${bytes(summary.bytes)})`,
          ...(summary.artifactsIn ? [`  artifacts: written into ${summary.artifactsIn}`] : []),
          ...(summary.configFromBackup
            ? [`  config:   the data directory's own config.yaml was kept; the backup's is in ${summary.configFromBackup}`]
            : []),
          `start the server with: trellis up --home ${summary.home}`,
        ].join('\n'),
      );
    });
}

/** The data directory's configuration, --home over TRELLIS_HOME. */
function configFor(options: HomeOptions) {
  return loadConfig(options.home === undefined ? process.env : { ...process.env, TRELLIS_HOME: options.home });
}

function outputOf(command: Command): OutputFormat {
  return command.optsWithGlobals<{ output?: OutputFormat }>().output ?? (process.env.TRELLIS_OUTPUT as OutputFormat | undefined) ?? 'table';
}

function requireFrom(from: string | undefined, verb: string): string {
  if (from === undefined)
    throw new TrellisError(
      'MissingOption',
      400,
      `say where the backups are with --from <folder>, e.g. trellis ${verb} --from /mnt/backups/trellis`,
    );
  return from;
}

/** Progress on stderr, so stdout holds only the summary (-o json stays parseable). */
function reportProgress(progress: BackupProgress): void {
  const what = progress.step === 'metadata' ? 'metadata' : progress.step === 'files' ? 'files' : 'objects checked';
  if (progress.step === 'metadata' && progress.done === 0) {
    process.stderr.write('metadata: taking a snapshot ...\n');
    return;
  }
  process.stderr.write(`${what}: ${progress.done}/${progress.total} (${bytes(progress.bytes)} of ${bytes(progress.totalBytes)})\n`);
}

function verifyText(report: VerifyReport): string {
  const lines = [`backup ${report.id} at ${report.location}: ${report.objects} objects, ${bytes(report.bytes)}`];
  const describe = (problem: ObjectProblem) =>
    `  ${problem.problem} object ${problem.sha256} (${bytes(problem.size)})${problem.found ? `, holds ${bytes(problem.found.size)} hashing to ${problem.found.sha256}` : ''}: ${problem.usedBy.join(', ')}`;
  lines.push(...report.missing.map(describe), ...report.corrupt.map(describe));
  if (report.metadataOpens === false) lines.push(`  metadata does not open: ${report.metadataProblem ?? ''}`);
  lines.push(report.isSound ? 'sound: every object is present and whole, and the metadata opens' : 'NOT sound');
  return lines.join('\n');
}

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
