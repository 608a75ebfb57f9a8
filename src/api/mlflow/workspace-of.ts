import type { FastifyRequest } from 'fastify';
import { defaultWorkspace } from '../../services/workspace-service.js';

/** The default workspace answers at the server root; any other at /workspaces/{ws}/mlflow. */
export function workspaceOf(request: FastifyRequest): string {
  return (request.params as { workspace?: string }).workspace ?? defaultWorkspace;
}
