import type { Command } from 'commander';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/** trellis status: whether the server is ready, and which server runs the controllers. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show whether the server is ready and which server runs the controllers (several servers on one PostgreSQL)')
    .action(async (_options: unknown, command: Command) => {
      const context = cliContext(command);
      const [ready, leader] = await Promise.all([context.client.ready(), context.client.leader()]);
      const lease = leader.lease;
      const now = Date.now();
      printData(context.output, { ready, leader }, () =>
        renderTable(
          ['FIELD', 'VALUE'],
          [
            ['server', `${leader.server.id} (${leader.server.address || context.client.baseUrl})`],
            [
              'ready',
              `${ready.status}: ${ready.database.dialect}, migrations ${ready.database.migrationsApplied}/${ready.database.migrationsExpected}`,
            ],
            ['controllers', leader.server.isLeader ? 'run on this server' : 'run on another server (this one stands by)'],
            [
              'mode',
              leader.server.mode === 'lease' ? 'a lease in the database decides where the controllers run' : 'one server alone (SQLite)',
            ],
            ['leader', lease ? `${lease.holder} at ${lease.address ?? '(no address)'}` : leader.server.isLeader ? 'this server' : '-'],
            ['epoch', lease ? String(lease.epoch) : '-'],
            [
              'lease',
              lease
                ? lease.expiresAt > now
                  ? `expires in ${Math.round((lease.expiresAt - now) / 100) / 10} s unless renewed`
                  : 'expired'
                : '-',
            ],
          ],
        ),
      );
    });
}
