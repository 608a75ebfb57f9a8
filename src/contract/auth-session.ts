import { z } from 'zod';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const tags = ['auth'];

/** A redirect (to the OpenID provider, or back into the studio): no body, a Location header. */
const redirect = (to: string) => ({
  description: `a redirect ${to} (the Location header)`,
  content: { 'text/plain': { schema: z.string() } },
});

export const studioSessionSchema = z
  .object({
    signedIn: z.boolean().describe('whether the request carried a valid studio session cookie'),
    oidc: z.boolean().describe('whether signing in with the OpenID provider (GET /auth/login) is available here'),
    issuer: z.string().nullable().describe("the OpenID provider's issuer (auth.oidc.issuer), or null"),
    principal: z
      .object({ name: z.string(), kind: z.enum(['user', 'servicePrincipal']), via: z.literal('session') })
      .optional()
      .describe('who is signed in'),
    csrfToken: z.string().optional().describe('what a state-changing call with the session cookie sends in the x-csrf-token header'),
  })
  .meta({ id: 'StudioSession' });

/** The studio's sign-in: a session cookie from a personal access token or from the OpenID provider. */
export const authSessionRoutes = {
  get: defineRoute('GET', '/auth/session', {
    tags,
    summary: "The studio session: who is signed in and the session's CSRF token; answers without a session too",
    response: { 200: studioSessionSchema },
  }),
  create: defineRoute('POST', '/auth/session', {
    tags,
    summary: 'Sign in to the studio with a personal access token: sets the session cookie',
    body: z
      .object({ token: z.string().min(1).describe('a personal access token (trls_pat_...) or an access token of the OpenID provider') })
      .strict(),
    response: { 200: studioSessionSchema, 400: problemSchema, 401: problemSchema, 503: problemSchema },
  }),
  login: defineRoute('GET', '/auth/login', {
    tags,
    summary: 'Sign in to the studio with the OpenID provider: authorization code with PKCE',
    response: { 302: redirect('to the OpenID provider'), 404: problemSchema, 503: problemSchema },
  }),
  callback: defineRoute('GET', '/auth/callback', {
    tags,
    summary: 'Where the OpenID provider returns the browser: exchanges the code, sets the session cookie, goes to the studio',
    querystring: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
    }),
    response: { 302: redirect('into the studio'), 400: problemSchema, 401: problemSchema, 404: problemSchema, 503: problemSchema },
  }),
  logout: defineRoute('POST', '/auth/logout', {
    tags,
    summary: "Sign out of the studio: revokes the session and clears its cookie (the session's CSRF token is required)",
    response: { 200: studioSessionSchema, 403: problemSchema },
  }),
};
