import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { type pipelineJobSchema, pipelineRoutes as routes } from '../../contract/pipelines.js';
import type { PipelineJob } from '../../core/pipelines/pipeline-job.js';
import { cancelPipeline, getPipeline, listPipelines, type PipelineView } from '../../services/pipelines/pipeline-service.js';
import { submitPipeline } from '../../services/pipelines/submit-pipeline.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** A pipeline job as the API answers it: without the uploads and inlined files it keeps for its steps, and its source file. */
function body(pipeline: PipelineJob | PipelineView): z.input<typeof pipelineJobSchema> {
  const { uploads: _uploads, inlined: _inlined, source: _source, ...rest } = pipeline;
  return { ...rest, type: 'pipeline', status: pipeline.state };
}

/** Pipeline jobs: submit, read, list, cancel. */
export const pipelineRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, pipelines }) => {
  const wake = () => pipelines?.wake();

  app.post(routes.submit.path, { schema: routes.submit.schema }, async (request, reply) => {
    const pipeline = await submitPipeline(context, callerOf(request), { workspace: request.params.workspace, ...request.body });
    wake();
    return reply.status(201).send(body(await getPipeline(context, pipeline.workspace, pipeline.name)));
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: (await listPipelines(context, request.params.workspace, { limit: request.query.limit })).map(body),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    body(await getPipeline(context, request.params.workspace, request.params.name)),
  );

  app.post(routes.cancel.path, { schema: routes.cancel.schema }, async (request) => {
    const pipeline = await cancelPipeline(context, callerOf(request), request.params.workspace, request.params.name);
    wake();
    return body(pipeline);
  });
};
