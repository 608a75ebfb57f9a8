import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteOptions } from '../route-options.js';

/**
 * The studio (studio/, a React app built by `npm run build` into dist/studio) at /studio/. Its
 * pages are routes of the app, so any /studio/... address that is not a file answers index.html
 * and the app draws the page. Built assets have content hashes in their names and are cached for
 * good; index.html is always revalidated. A browser opening the server's root is sent to the studio,
 * and one opening a workspace's tracking URI (/workspaces/{ws}/mlflow/) to that workspace's: the
 * links MLflow's client prints (`<tracking URI>/#/experiments/<id>/runs/<run>`) land there with
 * their fragment, which the browser keeps across the redirect and the studio turns into its page.
 */
export const studioRoutes: FastifyPluginAsync<RouteOptions> = async (app) => {
  const root = studioFolder();
  // Pages, not API: kept out of the OpenAPI document.
  const page = { schema: { hide: true } };
  app.get('/', page, async (_request, reply) => reply.redirect('/studio/'));
  for (const path of ['/workspaces/:workspace/mlflow', '/workspaces/:workspace/mlflow/']) {
    app.get<{ Params: { workspace: string } }>(path, page, async (request, reply) =>
      reply.redirect(`/studio/w/${encodeURIComponent(request.params.workspace)}/`),
    );
  }
  if (!root) {
    const missing = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The studio is not built. Run `npm run build` (it builds the server and the studio), then `trellis up` again.\n');
    app.get('/studio', page, missing);
    app.get('/studio/*', page, missing);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/studio/',
    wildcard: false,
    index: ['index.html'],
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  app.get('/studio', page, async (_request, reply) => reply.redirect('/studio/'));
  app.get('/studio/*', page, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html', root));
};

/** dist/studio beside the built server, or, when the server runs from its sources, in the checkout's dist/. */
function studioFolder(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'studio'), join(here, '..', '..', '..', 'dist', 'studio')];
  return candidates.find((folder) => existsSync(join(folder, 'index.html')));
}
