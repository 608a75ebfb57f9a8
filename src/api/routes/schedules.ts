import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { scheduleRoutes as routes } from '../../contract/schedules.js';
import { triggerSchedule } from '../../services/schedules/fire-schedule.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  setScheduleEnabled,
  updateSchedule,
} from '../../services/schedules/schedule-service.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** Job schedules: create, read, list, replace, enable, disable, delete, fire now. */
export const scheduleRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, schedules, jobs, pipelines }) => {
  // A schedule created or changed may be due at once: the scheduler looks now, not at its next tick.
  const wake = () => schedules?.wake();

  app.post(routes.create.path, { schema: routes.create.schema }, async (request, reply) => {
    const schedule = await createSchedule(context, callerOf(request), { workspace: request.params.workspace, ...request.body });
    wake();
    return reply.status(201).send(schedule);
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: await listSchedules(context, request.params.workspace),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    getSchedule(context, request.params.workspace, request.params.name),
  );

  app.put(routes.update.path, { schema: routes.update.schema }, async (request) => {
    const schedule = await updateSchedule(context, callerOf(request), request.params.name, {
      workspace: request.params.workspace,
      ...request.body,
    });
    wake();
    return schedule;
  });

  app.post(routes.enable.path, { schema: routes.enable.schema }, async (request) => {
    const schedule = await setScheduleEnabled(context, callerOf(request), request.params.workspace, request.params.name, true);
    wake();
    return schedule;
  });

  app.post(routes.disable.path, { schema: routes.disable.schema }, async (request) =>
    setScheduleEnabled(context, callerOf(request), request.params.workspace, request.params.name, false),
  );

  app.post(routes.trigger.path, { schema: routes.trigger.schema }, async (request, reply) => {
    const firing = await triggerSchedule(context, callerOf(request), request.params.workspace, request.params.name);
    jobs?.wake();
    pipelines?.wake();
    return reply.status(201).send(firing);
  });

  app.delete(routes.delete.path, { schema: routes.delete.schema }, async (request, reply) => {
    await deleteSchedule(context, callerOf(request), request.params.workspace, request.params.name);
    return reply.status(204).send(null);
  });
};
