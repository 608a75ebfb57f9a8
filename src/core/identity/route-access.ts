/**
 * What each route of the server needs, in Azure ML's action names. Every route the server
 * registers must have an entry: the authorization hook denies a route without one, and
 * src/auth/route-access.test.ts fails when a registered route lacks one, so a new route cannot
 * ship unprotected.
 */

/** Azure ML's namespace for workspace actions. */
export const ml = 'Microsoft.MachineLearningServices/workspaces';

export type RouteAccess =
  /** Anyone, without credentials: health probes, the API's description, the studio's static files. */
  | { kind: 'public'; why: string }
  /** The route checks its own credential (an endpoint's key or token, a pod's attempt token). */
  | { kind: 'ownCredential'; action: string; why: string }
  /** Any authenticated principal; what it may see or do is decided in the handler (its own tokens, lists filtered by role). */
  | { kind: 'authenticated'; why: string }
  /** The route needs this action at the server scope, at the registry in its path, or at the workspace in its path (the default workspace when there is none). */
  | { kind: 'action'; action: string; scope: 'server' | 'workspace' | 'registry' };

/** Reading cost (summaries, the FOCUS export, a job's cost): Azure Cost Management's query action, which Reader (every read action) has. */
export const costReadAction = 'Microsoft.CostManagement/query/read';
/** Reading budgets: Azure Consumption's budget action. Creating, changing and deleting one needs write on the workspace. */
export const budgetReadAction = 'Microsoft.Consumption/budgets/read';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Rule {
  methods: Method[] | '*';
  path: RegExp;
  access: RouteAccess | ((method: Method) => RouteAccess);
}

const read: Method[] = ['GET', 'HEAD'];
const write: Method[] = ['POST', 'PUT', 'PATCH'];
const inWorkspace = (action: string): RouteAccess => ({ kind: 'action', action: `${ml}/${action}`, scope: 'workspace' });
const onServer = (action: string): RouteAccess => ({ kind: 'action', action, scope: 'server' });
const inRegistry = (action: string): RouteAccess => ({
  kind: 'action',
  action: `Microsoft.MachineLearningServices/registries/${action}`,
  scope: 'registry',
});
/** GET reads, POST/PUT/PATCH write, DELETE deletes: the usual verbs of an Azure ML resource type. */
const crud =
  (type: string) =>
  (method: Method): RouteAccess =>
    inWorkspace(`${type}/${method === 'GET' || method === 'HEAD' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`);

const v1 = '^/api/v1';
const ws = `${v1}/workspaces/:workspace`;
const endpointWhy = "the endpoint's key or token is checked by the router (get them with onlineEndpoints/listKeys/action or token/action)";

/** Trellis's own API, the scoring routes and the web app. Order matters: the first rule that matches wins. */
const rules: Rule[] = [
  { methods: read, path: /^\/(healthz|readyz)$/, access: { kind: 'public', why: 'liveness and readiness probes' } },
  { methods: read, path: /^\/v2(\/health\/(live|ready))?$/, access: { kind: 'public', why: 'the KServe v2 server health probes' } },
  { methods: read, path: /^\/api\/v1\/openapi\.json$/, access: { kind: 'public', why: "the API's description holds no data" } },
  {
    methods: read,
    path: /^\/(studio(\/.*)?)?$/,
    access: { kind: 'public', why: "the studio's static files; its data comes through the API" },
  },
  {
    methods: read,
    path: /^\/workspaces\/:workspace\/mlflow\/?$/,
    access: { kind: 'public', why: "a redirect to the workspace's studio page" },
  },
  {
    methods: [...read, 'POST'],
    path: /^\/auth\/(login|callback|logout|session)$/,
    access: { kind: 'public', why: 'signing in and out of the studio' },
  },
  { methods: read, path: /^\/metrics$/, access: onServer('Microsoft.Insights/metrics/read') },
  {
    methods: [...read, 'POST'],
    path: /^(\/workspaces\/:workspace\/mlflow)?\/graphql$/,
    access: {
      kind: 'authenticated',
      why: "MLflow's GraphQL API: each field checks its REST twin's action in the URL's workspace (experiments/read, experiments/runs/read, models/read)",
    },
  },

  // Who am I, and my own tokens: any signed-in principal; the handler decides about others' tokens.
  { methods: read, path: new RegExp(`${v1}/actions$`), access: { kind: 'authenticated', why: 'the list of action names holds no data' } },
  { methods: read, path: new RegExp(`${v1}/audit$`), access: onServer('Microsoft.Insights/eventtypes/values/read') },
  { methods: read, path: new RegExp(`${v1}/whoami$`), access: { kind: 'authenticated', why: 'a principal reads who it is' } },
  {
    methods: read,
    path: new RegExp(`${v1}/leader$`),
    access: {
      kind: 'authenticated',
      why: 'which server runs the controllers (where online endpoints are served): an address of this installation, no workspace data',
    },
  },
  {
    methods: '*',
    path: new RegExp(`${v1}/tokens(/:id)?$`),
    access: {
      kind: 'authenticated',
      why: "a principal's own tokens; others' need Microsoft.Authorization/principals/write, checked in the handler",
    },
  },
  // Principals, roles and assignments: Azure's Authorization namespace (Contributor may not write it).
  { methods: read, path: new RegExp(`${v1}/principals(/.*)?$`), access: onServer('Microsoft.Authorization/principals/read') },
  { methods: ['DELETE'], path: new RegExp(`${v1}/principals/:name$`), access: onServer('Microsoft.Authorization/principals/delete') },
  {
    methods: [...write, 'DELETE'],
    path: new RegExp(`${v1}/principals(/.*)?$`),
    access: onServer('Microsoft.Authorization/principals/write'),
  },
  { methods: read, path: new RegExp(`${v1}/role-definitions(/:role)?$`), access: onServer('Microsoft.Authorization/roleDefinitions/read') },
  {
    methods: write,
    path: new RegExp(`${v1}/role-definitions(/:role)?$`),
    access: onServer('Microsoft.Authorization/roleDefinitions/write'),
  },
  {
    methods: ['DELETE'],
    path: new RegExp(`${v1}/role-definitions/:role$`),
    access: onServer('Microsoft.Authorization/roleDefinitions/delete'),
  },
  {
    methods: '*',
    path: new RegExp(`${v1}/role-assignments(/:id)?$`),
    access: {
      kind: 'authenticated',
      why: 'the scope is in the body or the assignment: the handler checks Microsoft.Authorization/roleAssignments/* there',
    },
  },

  // Projects: creating one makes workspaces, a service principal, its token and role assignments, so the handler
  // checks each of those rights at the server; reading them names who holds which role, as role assignments do.
  {
    methods: ['POST'],
    path: new RegExp(`${v1}/projects$`),
    access: {
      kind: 'authenticated',
      why: 'the handler checks Microsoft.Authorization/roleAssignments/write, workspaces/write and Microsoft.Authorization/principals/write at the server',
    },
  },
  { methods: read, path: new RegExp(`${v1}/projects(/:name)?$`), access: onServer('Microsoft.Authorization/roleAssignments/read') },

  // Azure Policy: definitions are readable by anyone signed in; writing them is a server action. Assignments and
  // exemptions carry their scope in the body or the stored record: the handler checks policyAssignments/* there.
  {
    methods: read,
    path: new RegExp(`${v1}/policy-(definitions|aliases)(/:name)?$`),
    access: { kind: 'authenticated', why: "definitions and aliases describe the platform's rules; nothing in them is a workspace's" },
  },
  { methods: ['POST'], path: new RegExp(`${v1}/policy-definitions$`), access: onServer('Microsoft.Authorization/policyDefinitions/write') },
  {
    methods: ['DELETE'],
    path: new RegExp(`${v1}/policy-definitions/:name$`),
    access: onServer('Microsoft.Authorization/policyDefinitions/delete'),
  },
  {
    methods: '*',
    path: new RegExp(`${v1}/policy-(assignments|exemptions)(/:name)?$`),
    access: {
      kind: 'authenticated',
      why: 'the scope is in the body, the query or the stored assignment: the handler checks Microsoft.Authorization/policyAssignments/* (policyExemptions/*) there',
    },
  },
  {
    methods: read,
    path: new RegExp(`${ws}/policy-states$`),
    access: { kind: 'action', action: 'Microsoft.PolicyInsights/policyStates/queryResults/read', scope: 'workspace' },
  },

  // The advisor: its rules and the static check of files in the body read nothing of the server's; a workspace's
  // recommendations and score are Azure Advisor's recommendations/read there (Reader, Contributor and Owner hold it).
  {
    methods: read,
    path: new RegExp(`${v1}/advisor/rules$`),
    access: { kind: 'authenticated', why: "the advisor's rule catalogue holds no data" },
  },
  {
    methods: ['POST'],
    path: new RegExp(`${v1}/advisor/check$`),
    access: { kind: 'authenticated', why: 'checks the files in the request body against the static rules; reads and stores nothing' },
  },
  {
    methods: read,
    path: new RegExp(`${ws}/advisor/(recommendations|score)$`),
    access: { kind: 'action', action: 'Microsoft.Advisor/recommendations/read', scope: 'workspace' },
  },

  // Workspaces.
  {
    methods: read,
    path: new RegExp(`${v1}/workspaces$`),
    access: { kind: 'authenticated', why: 'lists only the workspaces the principal has a role in' },
  },
  { methods: ['POST'], path: new RegExp(`${v1}/workspaces$`), access: onServer(`${ml}/write`) },
  { methods: read, path: new RegExp(`${ws}$`), access: inWorkspace('read') },
  { methods: ['PUT', 'PATCH'], path: new RegExp(`${ws}$`), access: inWorkspace('write') },
  { methods: ['DELETE'], path: new RegExp(`${ws}$`), access: inWorkspace('delete') },
  { methods: ['POST'], path: new RegExp(`${ws}/rotate-key$`), access: inWorkspace('write') },

  // Azure ML registries: listing shows those the principal holds a role at; creating one is a server action (Contributor, Owner).
  {
    methods: read,
    path: new RegExp(`${v1}/registries$`),
    access: { kind: 'authenticated', why: 'lists only the registries the principal holds a role at' },
  },
  { methods: ['POST'], path: new RegExp(`${v1}/registries$`), access: onServer('Microsoft.MachineLearningServices/registries/write') },
  { methods: read, path: new RegExp(`${v1}/registries/:registry$`), access: inRegistry('read') },
  { methods: ['DELETE'], path: new RegExp(`${v1}/registries/:registry$`), access: inRegistry('delete') },
  // Sharing reads the workspace's asset; writing into the registry (registries/assets/write) is checked by the handler.
  ...['models', 'environments', 'components', 'data'].map(
    (type): Rule => ({
      methods: ['POST'],
      path: new RegExp(`${ws}/${type}/:name/versions/:version/share$`),
      access: inWorkspace(`${type}/read`),
    }),
  ),

  // Assets and computes.
  { methods: '*', path: new RegExp(`${ws}/environments(/.*)?$`), access: crud('environments') },
  { methods: '*', path: new RegExp(`${ws}/data(/.*)?$`), access: crud('data') },
  { methods: '*', path: new RegExp(`${ws}/codes(/.*)?$`), access: crud('codes') },
  { methods: '*', path: new RegExp(`${ws}/models(/.*)?$`), access: crud('models') },
  { methods: '*', path: new RegExp(`${ws}/components(/.*)?$`), access: crud('components') },
  { methods: '*', path: new RegExp(`${ws}/datastores(/:name)?$`), access: crud('datastores') },
  { methods: ['POST'], path: new RegExp(`${ws}/computes/:name/evict$`), access: inWorkspace('computes/evict/action') },
  { methods: read, path: new RegExp(`${ws}/computes/:name/nodes$`), access: inWorkspace('computes/listNodes/action') },
  // Azure's compute instance actions; AzureML Data Scientist has them (workspaces/*/action), as on Azure.
  ...(['start', 'stop', 'restart'] as const).map(
    (verb): Rule => ({
      methods: ['POST'],
      path: new RegExp(`${ws}/computes/:name/${verb}$`),
      access: inWorkspace(`computes/${verb}/action`),
    }),
  ),
  { methods: read, path: new RegExp(`${ws}/computes/:name/instance$`), access: inWorkspace('computes/read') },
  { methods: '*', path: new RegExp(`${ws}/computes(/:name)?$`), access: crud('computes') },
  {
    methods: '*',
    path: /^\/compute-instances\/:workspace\/:name\/lab(\/\*)?$/,
    access: {
      kind: 'authenticated',
      why: "a compute instance's JupyterLab: the handler admits its assigned user (computes/applicationaccess/action) and Owners only",
    },
  },
  { methods: read, path: new RegExp(`${ws}/(usage|quotas)$`), access: inWorkspace('computes/read') },
  { methods: read, path: new RegExp(`${ws}/resolve$`), access: inWorkspace('metadata/assets/read') },
  {
    methods: ['POST'],
    path: new RegExp(`${ws}/apply$`),
    access: {
      kind: 'authenticated',
      why: "the action depends on the file's kind (environments/write, computes/write, ...): the handler checks it",
    },
  },
  { methods: ['POST'], path: new RegExp(`${ws}/uploads(/folders)?$`), access: inWorkspace('metadata/snapshots/write') },
  { methods: read, path: new RegExp(`${ws}/contents/:digest$`), access: inWorkspace('metadata/snapshots/read') },
  {
    methods: read,
    path: new RegExp(`${ws}/audit$`),
    access: { kind: 'action', action: 'Microsoft.Insights/eventtypes/values/read', scope: 'workspace' },
  },

  // Cost and budgets: Azure's Cost Management and Consumption actions at the workspace; the list over
  // workspaces keeps those whose cost the caller may read.
  {
    methods: read,
    path: new RegExp(`${v1}/cost$`),
    access: { kind: 'authenticated', why: `lists only the workspaces where the principal has ${costReadAction}` },
  },
  {
    methods: read,
    path: new RegExp(`${ws}/(cost(/export)?|jobs/:name/cost)$`),
    access: { kind: 'action', action: costReadAction, scope: 'workspace' },
  },
  { methods: read, path: new RegExp(`${ws}/budgets(/:name)?$`), access: { kind: 'action', action: budgetReadAction, scope: 'workspace' } },
  { methods: [...write, 'DELETE'], path: new RegExp(`${ws}/budgets(/:name)?$`), access: inWorkspace('write') },

  // Jobs.
  { methods: ['POST'], path: new RegExp(`${ws}/jobs/:name/cancel$`), access: inWorkspace('jobs/cancel/action') },
  {
    methods: ['GET', 'PUT'],
    path: new RegExp(`${ws}/jobs/:name/attempts/:attempt/(bundle|results)\\.tar$`),
    access: {
      kind: 'ownCredential',
      action: `${ml}/jobs/write`,
      why: "a pod's attempt token, signed by this server, is checked by the route",
    },
  },
  { methods: '*', path: new RegExp(`${ws}/jobs(/.*)?$`), access: crud('jobs') },
  // Pipeline jobs are jobs, as in Azure ML: the same actions.
  { methods: ['POST'], path: new RegExp(`${ws}/pipeline-jobs/:name/cancel$`), access: inWorkspace('jobs/cancel/action') },
  { methods: '*', path: new RegExp(`${ws}/pipeline-jobs(/.*)?$`), access: crud('jobs') },
  { methods: ['POST'], path: new RegExp(`${ws}/sweep-jobs/:name/cancel$`), access: inWorkspace('jobs/cancel/action') },
  { methods: '*', path: new RegExp(`${ws}/sweep-jobs(/.*)?$`), access: crud('jobs') },
  // Schedules: Azure ML's schedules/* actions; enable, disable and trigger change it (write), and trigger submits a job as the caller.
  { methods: ['POST'], path: new RegExp(`${ws}/schedules/:name/trigger$`), access: inWorkspace('jobs/write') },
  { methods: ['POST'], path: new RegExp(`${ws}/schedules/:name/(enable|disable)$`), access: inWorkspace('schedules/write') },
  { methods: '*', path: new RegExp(`${ws}/schedules(/.*)?$`), access: crud('schedules') },
  // Monitors are schedules (create_monitor): reading them and their runs is reading schedules.
  { methods: read, path: new RegExp(`${ws}/monitors(/.*)?$`), access: crud('schedules') },

  // Tracking views of the studio.
  { methods: read, path: new RegExp(`${ws}/runs/:runId/metrics/:key/series$`), access: inWorkspace('experiments/runs/read') },
  { methods: read, path: new RegExp(`${ws}/experiments/:experimentId/keys$`), access: inWorkspace('experiments/runs/read') },

  // Online endpoints.
  {
    methods: ['POST'],
    path: new RegExp(`${ws}/online-endpoints/:name/credentials$`),
    access: inWorkspace('onlineEndpoints/listKeys/action'),
  },
  {
    methods: ['POST'],
    path: new RegExp(`${ws}/online-endpoints/:name/regenerate-keys$`),
    access: inWorkspace('onlineEndpoints/regenerateKeys/action'),
  },
  {
    methods: read,
    path: new RegExp(`${ws}/online-endpoints/:name/deployments/:deployment/versions/:version/bundle\\.tar$`),
    access: {
      kind: 'ownCredential',
      action: `${ml}/onlineEndpoints/deployments/write`,
      why: "an instance's version token, signed by this server, is checked by the route",
    },
  },
  {
    methods: read,
    path: new RegExp(`${ws}/online-endpoints/:name/deployments/:deployment/logs$`),
    access: inWorkspace('onlineEndpoints/deployments/getLogs/action'),
  },
  // A profile sends load with the endpoint's key, and its report is the deployment's: written and read as the deployment.
  {
    methods: '*',
    path: new RegExp(`${ws}/online-endpoints/:name/deployments/:deployment/profiles(/:profile)?$`),
    access: crud('onlineEndpoints/deployments'),
  },
  {
    methods: '*',
    path: new RegExp(`${ws}/online-endpoints/:name/deployments(/:deployment)?$`),
    access: crud('onlineEndpoints/deployments'),
  },
  { methods: ['POST'], path: new RegExp(`${ws}/online-endpoints/:name/(traffic|rollout)$`), access: inWorkspace('onlineEndpoints/write') },
  { methods: read, path: new RegExp(`${ws}/online-endpoints/:name/(rollout|stats)$`), access: inWorkspace('onlineEndpoints/read') },
  { methods: '*', path: new RegExp(`${ws}/online-endpoints(/:name)?$`), access: crud('onlineEndpoints') },

  // Batch endpoints.
  { methods: ['POST'], path: new RegExp(`${ws}/batch-endpoints/:name/invoke$`), access: inWorkspace('batchEndpoints/score/action') },
  { methods: read, path: new RegExp(`${ws}/batch-endpoints/:name/jobs$`), access: inWorkspace('jobs/read') },
  { methods: '*', path: new RegExp(`${ws}/batch-endpoints/:name/deployments(/:deployment)?$`), access: crud('batchEndpoints/deployments') },
  { methods: '*', path: new RegExp(`${ws}/batch-endpoints(/:name)?$`), access: crud('batchEndpoints') },

  // Scoring: the endpoint's own credential.
  {
    methods: '*',
    path: /^(\/workspaces\/:workspace)?\/(endpoints\/:name\/(score|swagger\.json)|v2\/models\/:name(\/versions\/:version)?(\/infer|\/ready)?)$/,
    access: { kind: 'ownCredential', action: `${ml}/onlineEndpoints/score/action`, why: endpointWhy },
  },
];

/**
 * MLflow's REST API, at the server root (the default workspace) and under /workspaces/<ws>/mlflow,
 * each also under ajax-api/ (the MLflow web UI's base): mapped as Azure ML maps MLflow's calls,
 * experiments, runs (and their artifacts and logged models) and registered models.
 */
const mlflowRules: Rule[] = [
  { methods: '*', path: /^\/api\/2\.0\/mlflow-artifacts\/artifacts(\/\*)?$/, access: crud('experiments/runs') },
  { methods: read, path: /^\/api\/2\.0\/mlflow-artifacts\/presigned\/\*$/, access: inWorkspace('experiments/runs/read') },
  { methods: '*', path: /^\/api\/2\.0\/mlflow-artifacts\/mpu\//, access: inWorkspace('experiments/runs/write') },
  { methods: read, path: /^\/api\/2\.0\/mlflow\/artifacts\/list$/, access: inWorkspace('experiments/runs/read') },
  { methods: ['POST'], path: /^\/api\/2\.0\/mlflow\/upload-artifact$/, access: inWorkspace('experiments/runs/write') },
  // The web UI's downloads sit at the workspace's root, not under /api/2.0 (see routeAccessOf).
  { methods: read, path: /^\/get-artifact$/, access: inWorkspace('experiments/runs/read') },
  { methods: read, path: /^\/model-versions\/get-artifact$/, access: inWorkspace('models/read') },
  {
    methods: '*',
    path: /^\/api\/2\.0\/mlflow\/experiments\/(get|get-by-name|search|list|search-datasets)$/,
    access: inWorkspace('experiments/read'),
  },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/experiments\/delete$/, access: inWorkspace('experiments/delete') },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/experiments\//, access: inWorkspace('experiments/write') },
  {
    methods: '*',
    path: /^\/api\/2\.0\/mlflow\/(runs\/(get|search)|metrics\/get-history(-bulk(-interval)?)?)$/,
    access: inWorkspace('experiments/runs/read'),
  },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/runs\/delete$/, access: inWorkspace('experiments/runs/delete') },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/runs\//, access: inWorkspace('experiments/runs/write') },
  { methods: ['POST'], path: /^\/api\/2\.0\/mlflow\/logged-models\/search$/, access: inWorkspace('experiments/runs/read') },
  {
    methods: ['DELETE'],
    path: /^\/api\/2\.0\/mlflow\/logged-models\/:model_id\/tags\/:tag_key$/,
    access: inWorkspace('experiments/runs/write'),
  },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/logged-models(\/.*)?$/, access: crud('experiments/runs') },
  {
    methods: '*',
    path: /^\/api\/2\.0\/mlflow\/(registered-models\/(get|search|get-latest-versions)|model-versions\/(get|search|get-download-uri))$/,
    access: inWorkspace('models/read'),
  },
  { methods: read, path: /^\/api\/2\.0\/mlflow\/registered-models\/alias$/, access: inWorkspace('models/read') },
  {
    methods: ['POST', 'DELETE'],
    path: /^\/api\/2\.0\/mlflow\/(registered-models|model-versions)\/delete$/,
    access: inWorkspace('models/delete'),
  },
  { methods: '*', path: /^\/api\/2\.0\/mlflow\/(registered-models|model-versions)\//, access: inWorkspace('models/write') },
  // Tracing: traces are an experiment's records, as runs are (read, write, delete); spans come over OTLP.
  {
    methods: read,
    path: /^\/version$/,
    access: { kind: 'authenticated', why: "the MLflow version this server speaks, which MLflow's client asks before sending spans" },
  },
  { methods: ['POST'], path: /^\/v1\/traces$/, access: inWorkspace('experiments/runs/write') },
  { methods: read, path: /^\/api\/2\.0\/mlflow\/get-trace-artifact$/, access: inWorkspace('experiments/runs/read') },
  {
    methods: ['POST'],
    path: /^\/api\/3\.0\/mlflow\/traces\/(search|calculate-filter-correlation)$/,
    access: inWorkspace('experiments/runs/read'),
  },
  { methods: ['POST'], path: /^\/api\/[23]\.0\/mlflow\/traces\/delete-traces$/, access: inWorkspace('experiments/runs/delete') },
  { methods: read, path: /^\/api\/[23]\.0\/mlflow\/traces(\/.*)?$/, access: inWorkspace('experiments/runs/read') },
  { methods: '*', path: /^\/api\/[23]\.0\/mlflow\/traces(\/.*)?$/, access: inWorkspace('experiments/runs/write') },
];

/** The access a route needs, or undefined when it has no rule (which the hook denies). */
export function routeAccessOf(method: string, url: string): RouteAccess | undefined {
  const verb = method.toUpperCase() as Method;
  const mlflowPath =
    /^(\/workspaces\/:workspace\/mlflow)?(\/(ajax-)?api\/[23]\.0\/mlflow|\/(model-versions\/)?get-artifact$|\/v1\/traces$|\/version$)/.test(
      url,
    )
      ? url.replace(/^\/workspaces\/:workspace\/mlflow/, '').replace(/^\/ajax-api\//, '/api/')
      : undefined;
  const [table, path] = mlflowPath ? [mlflowRules, mlflowPath] : [rules, url];
  for (const rule of table) {
    if (rule.methods !== '*' && !rule.methods.includes(verb)) continue;
    if (!rule.path.test(path)) continue;
    return typeof rule.access === 'function' ? rule.access(verb) : rule.access;
  }
  return undefined;
}

/** Every action some route needs: what custom roles are checked against, and the matrix test tries. */
export function actionOfAccess(access: RouteAccess): string | undefined {
  return access.kind === 'action' || access.kind === 'ownCredential' ? access.action : undefined;
}

/** Every action Trellis's routes check: what a custom role's actions are checked against. */
export function knownActions(): string[] {
  const found = new Set<string>();
  for (const rule of [...rules, ...mlflowRules]) {
    const methods = rule.methods === '*' ? (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as Method[]) : rule.methods;
    for (const method of methods) {
      const access = typeof rule.access === 'function' ? rule.access(method) : rule.access;
      const action = actionOfAccess(access);
      if (action) found.add(action);
    }
  }
  // Actions handlers check themselves (apply, role assignments, others' tokens).
  for (const kind of ['environments', 'data', 'codes', 'models', 'computes']) found.add(`${ml}/${kind}/write`);
  for (const verb of ['read', 'write', 'delete']) found.add(`Microsoft.Authorization/roleAssignments/${verb}`);
  return [...found].sort();
}
