// Which of the installed MLflow server's routes a running Trellis answers. The route list comes from
// MLflow itself (the Flask app's url_map of the installed mlflow package), so it follows the client
// version; each route is called once with no body and path parameters set to "probe". A route counts
// as missing when Trellis answers 404 ENDPOINT_NOT_FOUND (its MLflow scopes) or RouteNotFound (the
// rest of the server); any other answer, 400 and 404 RESOURCE_DOES_NOT_EXIST included, means a
// handler exists. It says nothing about whether the handler is right: that is what the tests are for.
import { execFileSync } from 'node:child_process';

const listRoutes = `
import json, mlflow.server as server
routes = set()
for rule in server.app.url_map.iter_rules():
    for method in rule.methods - {"HEAD", "OPTIONS"}:
        routes.add((method, rule.rule))
print(json.dumps(sorted(routes)))
`;

/** Route groups, first match wins; the order is the order of the table in the docs. @type {Array<[string, RegExp]>} */
const groups = [
  ['tracking: experiments', /^\/api\/2\.0\/mlflow\/experiments\//],
  ['tracking: runs, metrics, params, tags, inputs, outputs', /^\/api\/2\.0\/mlflow\/(runs|metrics)\//],
  ['tracking: logged models', /^\/api\/2\.0\/mlflow\/logged-models/],
  [
    'artifacts',
    /^\/api\/2\.0\/mlflow\/artifacts\/|^\/api\/2\.0\/mlflow-artifacts\/|^\/get-artifact$|^\/ajax-api\/2\.0\/mlflow\/(upload-artifact|logged-models\/.*\/artifacts\/files)$/,
  ],
  ['model registry', /^\/api\/2\.0\/mlflow\/(registered-models|model-versions)\/|^\/model-versions\/get-artifact$/],
  ['web UI helpers (ajax-api only)', /^\/ajax-api\/2\.0\/mlflow\/(metrics\/get-history-bulk|experiments\/search-datasets)$/],
  ['GraphQL, health, version, server info', /^\/graphql$|^\/health$|^\/version$|^\/api\/3\.0\/mlflow\/server-info$/],
  ['tracing (traces, assessments)', /\/traces|trace-artifact|unified-traces|online-trace|assessments/],
  ['MLflow workspaces (header mode)', /^\/api\/3\.0\/mlflow\/workspaces/],
  ['webhooks', /^\/api\/2\.0\/mlflow\/webhooks/],
  ['gateway, prompt lab', /gateway|promptlab/],
  ['GenAI: datasets, scorers, issues, labels, review queues, prompt optimization, jobs', /./],
];

/** Which MLflow routes are worth asking Trellis about: not the UI's static files, not /ajax-api twins. */
function selectRoutes(routes) {
  const paths = new Set(routes.map(([, path]) => path));
  return routes.filter(([, path]) => {
    if (path === '/' || path.startsWith('/static-files/') || path.startsWith('/build/') || path.includes('2.0mlflow')) return false;
    const twin = path.replace(/^\/ajax-api\//, '/api/');
    return !(path.startsWith('/ajax-api/') && paths.has(twin));
  });
}

/**
 * Calls every MLflow route on `url` and returns [{ group, method, path, status, isImplemented }].
 * @param {string} python the venv's python, with the installed mlflow
 * @param {string} url a running Trellis
 */
export async function surveyEndpoints(python, url) {
  const routes = JSON.parse(
    execFileSync(python, ['-c', listRoutes], {
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const survey = [];
  for (const [method, path] of selectRoutes(routes)) {
    const concrete = path.replace(/<(?:[^:>]+:)?[^>]+>/g, 'probe');
    const hasBody = method !== 'GET' && method !== 'DELETE';
    const response = await fetch(`${url}${concrete}`, {
      method,
      ...(hasBody ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
    });
    const text = await response.text();
    const isMissing = response.status === 404 && /ENDPOINT_NOT_FOUND|RouteNotFound/.test(text);
    const group = groups.find(([, pattern]) => pattern.test(path))?.[0] ?? 'other';
    survey.push({ group, method, path, status: response.status, isImplemented: !isMissing });
  }
  const order = groups.map(([name]) => name);
  return survey.sort(
    (a, b) => order.indexOf(a.group) - order.indexOf(b.group) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
}

/** Per group: how many of MLflow's routes Trellis answers. */
export function summariseSurvey(survey) {
  const byGroup = new Map();
  for (const route of survey) {
    const entry = byGroup.get(route.group) ?? { group: route.group, implemented: 0, total: 0 };
    entry.total += 1;
    if (route.isImplemented) entry.implemented += 1;
    byGroup.set(route.group, entry);
  }
  return [...byGroup.values()];
}
