import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { computeSchema } from '../azureml/compute-schema.js';
import {
  activityOf,
  assignedUserOf,
  assigneeActorOf,
  type ComputeInstanceSpec,
  idleShutdownMs,
  isIdleTooLong,
  readInstanceStatus,
  scheduledAction,
} from './compute-instance.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'azureml-examples', 'cli', 'resources', 'compute');

/** A compute instance spec as the store keeps it: Azure's YAML parsed by the compute schema. */
function instance(fields: Record<string, unknown>): ComputeInstanceSpec {
  const spec = computeSchema.parse({ name: 'ci', type: 'computeinstance', ...fields });
  if (spec.type !== 'computeinstance') throw new Error(`parsed as ${spec.type}`);
  return spec;
}

describe('compute instances: who, when idle, and schedules (pure)', () => {
  it('is assigned to create_on_behalf_of, else to its creator', () => {
    assert.equal(assignedUserOf(instance({}), 'user:alice'), 'alice');
    assert.equal(assignedUserOf(instance({ create_on_behalf_of: { user_object_id: 'bob' } }), 'user:alice'), 'bob');
    assert.equal(assignedUserOf(instance({}), 'local:root'), undefined);
    // Its token acts for the assignee: a user, or a service principal that user_object_id names.
    const onBehalfOfBob = instance({ create_on_behalf_of: { user_object_id: 'bob' } });
    assert.equal(assigneeActorOf(onBehalfOfBob, 'user:alice'), 'user:bob');
    assert.equal(assigneeActorOf(onBehalfOfBob, 'user:alice', 'servicePrincipal'), 'servicePrincipal:bob');
    assert.equal(assigneeActorOf(instance({}), 'servicePrincipal:ci', 'user'), 'servicePrincipal:ci');
  });

  it("reads Azure's idle_time_before_shutdown (ISO 8601) and idle_time_before_shutdown_minutes", () => {
    assert.equal(idleShutdownMs(instance({ idle_time_before_shutdown: 'PT30M' })), 30 * 60_000);
    assert.equal(idleShutdownMs(instance({ idle_time_before_shutdown_minutes: 45 })), 45 * 60_000);
    assert.equal(idleShutdownMs(instance({})), undefined);
  });

  it('is idle once the last activity is older than the limit and no kernel is busy', () => {
    const activity = activityOf({
      lastActivity: '2026-01-01T10:00:00.000Z',
      kernels: [{ execution_state: 'idle', last_activity: '2026-01-01T10:05:00.000Z' }],
    });
    assert.equal(activity.lastActivity, Date.parse('2026-01-01T10:05:00.000Z'));
    const limit = 10 * 60_000;
    assert.equal(isIdleTooLong(limit, activity, 0, Date.parse('2026-01-01T10:14:59.000Z')), false);
    assert.equal(isIdleTooLong(limit, activity, 0, Date.parse('2026-01-01T10:15:00.000Z')), true);
    assert.equal(
      isIdleTooLong(limit, { ...activity, isBusy: true }, 0, Date.parse('2026-01-01T12:00:00.000Z')),
      false,
      'a long cell is work',
    );
    assert.equal(isIdleTooLong(undefined, activity, 0, Date.parse('2030-01-01T00:00:00.000Z')), false, 'no limit: never idle');
  });

  it("fires the fixture's 18:00 Pacific stop once a day, and the latest of start and stop wins", () => {
    const fixture = parse(readFileSync(join(fixtures, 'instance-schedule.yml'), 'utf8')) as Record<string, unknown>;
    const spec = instance(fixture);
    const createdAt = Date.parse('2026-03-01T00:00:00Z');
    // 18:00 PST is 02:00 UTC the next day (before daylight saving starts on 8 March).
    assert.equal(scheduledAction(spec, Date.parse('2026-03-02T01:59:00Z'), Date.parse('2026-03-02T02:01:00Z'), createdAt), 'stop');
    assert.equal(scheduledAction(spec, Date.parse('2026-03-02T02:01:00Z'), Date.parse('2026-03-02T10:00:00Z'), createdAt), undefined);
    const startAndStop = instance({
      schedules: {
        compute_start_stop: [
          { action: 'start', trigger: { type: 'cron', expression: '0 8 * * *', time_zone: 'UTC' } },
          { action: 'stop', trigger: { type: 'cron', expression: '0 18 * * *', time_zone: 'UTC' } },
          { action: 'start', state: 'disabled', trigger: { type: 'cron', expression: '0 20 * * *', time_zone: 'UTC' } },
        ],
      },
    });
    const day = Date.parse('2026-05-04T00:00:00Z');
    assert.equal(scheduledAction(startAndStop, day, day + 9 * 3600_000, createdAt), 'start');
    assert.equal(scheduledAction(startAndStop, day, day + 23 * 3600_000, createdAt), 'stop', 'both missed: the later one, stop, wins');
  });

  it('reads a status an older server wrote as the defaults: desired Running, as Azure starts a new instance', () => {
    assert.equal(readInstanceStatus({ notes: [] }).desiredState, 'Running');
    assert.equal(readInstanceStatus({ state: 'Unknown' }).state, 'Starting');
  });
});
