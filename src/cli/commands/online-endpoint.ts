import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { DeploymentBody, EndpointBody, RolloutBody } from '../../client/trellis-client.js';
import { parseOnlineDeployment } from '../../core/azureml/parse-endpoint-file.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { skipOutsideLinksFlag, uploadLocalPaths, uploadOptionsFrom } from '../apply-files.js';
import { cliContext } from '../cli-context.js';
import { readUserFile } from '../local-files.js';
import { waitForDeployment } from '../deployment-wait.js';
import {
  addDeploymentNameOption,
  addEndpointNameOption,
  deploymentNameOf,
  endpointNameOf,
  onlineEndpointYamlFromFlags,
} from '../endpoint-flags.js';
import { printData, renderTable } from '../output.js';

/**
 * `trellis online-endpoint create|update|show|list|delete|invoke|get-credentials|regenerate-keys`
 * and `trellis online-deployment create|update|show|list|get-logs|delete`, as `az ml` has them.
 */
export function registerOnlineEndpoints(program: Command): void {
  const endpoint = program
    .command('online-endpoint')
    .description('online endpoints: a scoring URL with keys, and traffic split among deployments');

  for (const verb of ['create', 'update'] as const) {
    endpoint
      .command(verb)
      .description(
        verb === 'create'
          ? 'create an online endpoint from Azure ML YAML (managedOnlineEndpoint), or from --name alone (key auth)'
          : 'update an endpoint from YAML, or just its traffic with --traffic / --mirror-traffic',
      )
      .option(
        '-f, --file <file>',
        verb === 'create' ? 'the endpoint YAML (without it: --name, and --auth-mode if not key)' : 'the endpoint YAML',
      )
      .option('-n, --name <name>', "the endpoint (overrides the file's)")
      .option('--auth-mode <mode>', "key (the default) or aml_token (overrides the file's auth_mode)")
      .option('--traffic <split>', 'e.g. "blue=90 green=10" (update: atomic, drops no request)')
      .option('--mirror-traffic <split>', 'e.g. "green=10": copies of that share go there, answers discarded')
      .option('--no-wait', 'accepted as az has it; an endpoint is ready (Succeeded) once the command returns')
      .action(
        async (
          options: { file?: string; name?: string; authMode?: string; traffic?: string; mirrorTraffic?: string },
          command: Command,
        ) => {
          const { client, workspace, output } = cliContext(command);
          let request: { fileName: string; text: string } | undefined;
          if (options.file) {
            const text = await readText(options.file);
            request = {
              fileName: options.file,
              text: options.authMode ? applySetOverrides(text, [`auth_mode=${options.authMode}`], options.file) : text,
            };
          } else if (verb === 'create' && options.name) {
            request = { fileName: 'flags', text: onlineEndpointYamlFromFlags({ name: options.name, authMode: options.authMode }) };
          }
          if (request) {
            const result = await client.applyOnlineEndpoint(workspace, { ...request, ...(options.name ? { name: options.name } : {}) });
            let endpointBody = result.endpoint;
            if (options.traffic || options.mirrorTraffic)
              endpointBody = await client.setTraffic(workspace, endpointBody.name, trafficChange(options));
            return printData(output, endpointBody, () => `${result.action}: ${endpointDetail(endpointBody)}`);
          }
          if (verb === 'update' && options.name && options.authMode)
            throw new ApiError(
              400,
              'MissingFile',
              '--auth-mode on update needs the endpoint file: give --file <endpoint.yml> (without a file, update changes only --traffic and --mirror-traffic)',
            );
          if (verb === 'update' && options.name && (options.traffic || options.mirrorTraffic)) {
            const updated = await client.setTraffic(workspace, options.name, trafficChange(options));
            return printData(output, updated, () => endpointDetail(updated));
          }
          throw new ApiError(
            400,
            'MissingFile',
            verb === 'create'
              ? 'give --file <endpoint.yml>, or --name <endpoint> for a key-auth endpoint'
              : 'give --file <endpoint.yml>, or --name with --traffic "blue=90 green=10"',
          );
        },
      );
  }

  endpoint
    .command('show')
    .description('one endpoint: scoring URI, auth, traffic, and what each deployment serves')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getOnlineEndpoint(workspace, options.name);
      const deployments = (await client.listOnlineDeployments(workspace, options.name)).items;
      printData(output, { ...found, deployments }, () => `${endpointDetail(found)}\n\n${deploymentTable(deployments, found)}`);
    });

  endpoint
    .command('list')
    .description('list online endpoints')
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listOnlineEndpoints(workspace);
      printData(output, items, () =>
        renderTable(
          ['NAME', 'AUTH', 'TRAFFIC', 'SCORING URI'],
          items.map((item) => [item.name, item.authMode, formatSplit(item.traffic), item.scoringUri]),
        ),
      );
    });

  endpoint
    .command('delete')
    .description('delete an endpoint and all its deployments')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .option('-y, --yes', 'accepted as az has it: delete asks nothing')
    .option('--no-wait', 'accepted as az has it: the endpoint is gone when the command returns')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteOnlineEndpoint(workspace, options.name);
      printData(output, { deleted: options.name }, () => `deleted online endpoint ${options.name}`);
    });

  endpoint
    .command('get-credentials')
    .description('the keys (auth_mode key) or a fresh token (aml_token)')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const credentials = await client.endpointCredentials(workspace, options.name);
      printData(output, credentials, () =>
        'primaryKey' in credentials
          ? `primaryKey:   ${credentials.primaryKey}\nsecondaryKey: ${credentials.secondaryKey}`
          : `accessToken: ${credentials.accessToken}\nexpires:     ${new Date(credentials.expiryTimeUtc * 1000).toISOString()}`,
      );
    });

  endpoint
    .command('regenerate-keys')
    .description('a new primary or secondary key; the other keeps working, so clients switch without downtime')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .option('--key-type <type>', 'primary or secondary', 'primary')
    .action(async (options: { name: string; keyType: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      if (options.keyType !== 'primary' && options.keyType !== 'secondary')
        throw new ApiError(400, 'InvalidKeyType', `--key-type must be primary or secondary, not '${options.keyType}'`);
      await client.regenerateEndpointKeys(workspace, options.name, options.keyType);
      printData(
        output,
        { regenerated: options.keyType },
        () =>
          `${options.keyType} key of ${options.name} regenerated; get it with: trellis online-endpoint get-credentials --name ${options.name}`,
      );
    });

  const invoke = endpoint
    .command('invoke')
    .description('score a request file against the endpoint (with its key or token)')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .requiredOption('-r, --request-file <file>', 'the request body (JSON)');
  addDeploymentNameOption(invoke, 'send it to this deployment, whatever the traffic split').action(
    async (options: { name: string; requestFile: string; deploymentName?: string; deployment?: string }, command: Command) => {
      const { client, workspace } = cliContext(command);
      const deploymentName = deploymentNameOf(options);
      const found = await client.getOnlineEndpoint(workspace, options.name);
      const credentials = await client.endpointCredentials(workspace, options.name);
      const token = 'primaryKey' in credentials ? credentials.primaryKey : credentials.accessToken;
      const body = await readText(options.requestFile);
      // Through the client: it trusts the configured CA; the endpoint's key is the credential here.
      const response = await client.fetch(new URL(found.scoringUri), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...(deploymentName ? { 'azureml-model-deployment': deploymentName } : {}),
        },
        body,
      });
      const text = await response.text();
      const answered = response.headers.get('azureml-model-deployment');
      if (!response.ok)
        throw new ApiError(response.status, `Http${response.status}`, `${text}${answered ? ` (deployment ${answered})` : ''}`);
      process.stdout.write(`${text}\n`);
      if (answered)
        process.stderr.write(
          `answered by deployment ${answered}${response.headers.get('x-trellis-model') ? `, model ${response.headers.get('x-trellis-model')}` : ''}\n`,
        );
    },
  );

  endpoint
    .command('rollout')
    .description('move live traffic to a deployment step by step; roll back on its own when it breaks the bounds (every step audited)')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .requiredOption('--to <deployment>', 'the candidate deployment')
    .option('--steps <percents>', "the candidate's share at each step", '10,50,100')
    .option('--interval <duration>', 'how long each step is watched: 30s, 2m, 500ms', '30s')
    .option('--max-error-rate <rate>', 'largest share of 5xx/failed answers in a step: 1% or 0.01', '1%')
    .option('--max-p99-ms <ms>', 'largest p99 latency in a step')
    .option('--min-requests <n>', 'requests a step needs before it is judged', '20')
    .option('--no-wait', 'start it and return; follow with rollout-status')
    .action(
      async (
        options: {
          name: string;
          to: string;
          steps: string;
          interval: string;
          maxErrorRate: string;
          maxP99Ms?: string;
          minRequests: string;
          wait: boolean;
        },
        command: Command,
      ) => {
        const { client, workspace, output } = cliContext(command);
        const steps = options.steps.split(',').map((step) => Number(step.trim().replace(/%$/, '')));
        if (steps.some((step) => !Number.isInteger(step)))
          throw new ApiError(
            400,
            'InvalidSteps',
            `--steps: '${options.steps}' is not a list of whole percents; write e.g. --steps 10,50,100`,
          );
        const started = await client.startRollout(workspace, options.name, {
          to: options.to,
          steps,
          intervalMs: parseDuration(options.interval, '--interval'),
          maxErrorRate: parseRate(options.maxErrorRate),
          ...(options.maxP99Ms ? { maxP99Ms: Number(options.maxP99Ms) } : {}),
          minRequests: Number(options.minRequests),
        });
        if (!options.wait) return printData(output, started, () => rolloutDetail(started));
        let shown = 0;
        let current = started;
        for (;;) {
          for (const record of current.audit.slice(shown)) if (output === 'table') process.stderr.write(`${auditLine(record)}\n`);
          shown = current.audit.length;
          if (current.phase === 'done' || current.phase === 'rolled-back') break;
          await new Promise((resolve) => setTimeout(resolve, 1000));
          current = await client.getRollout(workspace, options.name);
        }
        printData(output, current, () => rolloutDetail(current));
        if (current.phase === 'rolled-back') process.exitCode = 1;
      },
    );

  endpoint
    .command('rollout-status')
    .description('the latest rollout: steps, where it is, and each decision with its numbers')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const rollout = await client.getRollout(workspace, options.name);
      printData(output, rollout, () => `${rolloutDetail(rollout)}\n${rollout.audit.map(auditLine).join('\n')}`);
    });

  const deployment = program
    .command('online-deployment')
    .description('deployments of online endpoints: a model, its code and environment, on instances');

  for (const verb of ['create', 'update'] as const) {
    const create = deployment
      .command(verb)
      .description(
        verb === 'create'
          ? 'create a deployment from Azure ML YAML (managedOnlineDeployment); the model folder and code are uploaded; waits until it is up (or failed)'
          : 'update a deployment from Azure ML YAML, or change the stored one with --name, --endpoint-name and --set alone; waits until it is up (or failed)',
      )
      .option(
        '-f, --file <file>',
        verb === 'create' ? 'the deployment YAML' : 'the deployment YAML (without it: --set changes the deployment as it is stored)',
      )
      .option('-n, --name <name>', "the deployment (overrides the file's)");
    addEndpointNameOption(create, "the endpoint (overrides the file's endpoint_name)")
      .option('--all-traffic', "send 100% of the endpoint's traffic to it once it is up")
      .option('--set <key=value...>', 'override fields, e.g. --set instance_count=2', collect, [])
      .option('--no-wait', 'return at once, while it is Creating or Updating; follow it with online-deployment show')
      .option(...skipOutsideLinksFlag)
      .action(
        async (
          options: {
            file?: string;
            name?: string;
            endpointName?: string;
            endpoint?: string;
            allTraffic?: boolean;
            set: string[];
            wait: boolean;
            skipOutsideLinks?: boolean;
          },
          command: Command,
        ) => {
          const { client, workspace, output } = cliContext(command);
          const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
          const endpointOption = endpointNameOf(options);
          let result: { action: string; deployment: DeploymentBody };
          if (options.file) {
            const overrides = [
              ...options.set,
              ...(options.name ? [`name=${options.name}`] : []),
              ...(endpointOption ? [`endpoint_name=${endpointOption}`] : []),
            ];
            const original = await readText(options.file);
            const text = applySetOverrides(original, overrides, options.file);
            const parsed = parseOnlineDeployment(text, options.file);
            const content = await uploadLocalPaths(
              client,
              workspace,
              { file: options.file, parsed: { localPaths: parsed.localPaths } },
              progress,
              uploadOptionsFrom(options),
            );
            result = await client.applyOnlineDeployment(workspace, parsed.spec.endpoint_name, {
              fileName: options.file,
              text,
              ...content,
            });
          } else if (verb === 'update' && options.name && endpointOption && options.set.length > 0) {
            result = await client.updateOnlineDeploymentFields(workspace, endpointOption, options.name, { set: options.set });
          } else {
            throw new ApiError(
              400,
              'MissingFile',
              verb === 'create'
                ? 'give --file <deployment.yml>'
                : 'give --file <deployment.yml>, or --name, --endpoint-name and --set field=value (e.g. --set instance_count=2) to change the deployment as it is stored',
            );
          }
          const endpointName = result.deployment.endpoint;
          // As az ml: the command returns when the deployment is up, and fails when it cannot come up.
          const final = options.wait
            ? await waitForDeployment(client, workspace, endpointName, result.deployment.name, { onProgress: progress })
            : result.deployment;
          if (options.allTraffic) await client.setTraffic(workspace, endpointName, { traffic: { [final.name]: 100 } });
          printData(
            output,
            final,
            () => `${result.action}: ${deploymentDetail(final)}${options.allTraffic ? `\ntraffic: ${final.name} 100%` : ''}`,
          );
        },
      );
  }

  const show = deployment
    .command('show')
    .description('one deployment: model version, environment and code it runs, who deployed it and when, its instances')
    .requiredOption('-n, --name <name>', 'the deployment');
  addEndpointNameOption(show).action(async (options: { name: string; endpointName?: string; endpoint?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const found = await client.getOnlineDeployment(workspace, endpointNameOf(options, 'required'), options.name);
    printData(output, found, () => deploymentDetail(found));
  });

  addEndpointNameOption(deployment.command('list').description("an endpoint's deployments")).action(
    async (options: { endpointName?: string; endpoint?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const endpointName = endpointNameOf(options, 'required');
      const owner = await client.getOnlineEndpoint(workspace, endpointName);
      const { items } = await client.listOnlineDeployments(workspace, endpointName);
      printData(output, items, () => deploymentTable(items, owner));
    },
  );

  const logs = deployment
    .command('get-logs')
    .description("the deployment's preparation log and its instances' logs")
    .requiredOption('-n, --name <name>', 'the deployment')
    .option('-l, --lines <n>', 'the last n lines of each log', '200');
  addEndpointNameOption(logs).action(
    async (options: { name: string; endpointName?: string; endpoint?: string; lines: string }, command: Command) => {
      const { client, workspace } = cliContext(command);
      process.stdout.write(
        await client.onlineDeploymentLogs(workspace, endpointNameOf(options, 'required'), options.name, Number(options.lines)),
      );
    },
  );

  const remove = deployment
    .command('delete')
    .description('delete a deployment (move its traffic away first)')
    .requiredOption('-n, --name <name>', 'the deployment')
    .option('-y, --yes', 'accepted as az has it: delete asks nothing')
    .option('--no-wait', 'accepted as az has it: the deployment is gone when the command returns');
  addEndpointNameOption(remove).action(async (options: { name: string; endpointName?: string; endpoint?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const endpointName = endpointNameOf(options, 'required');
    await client.deleteOnlineDeployment(workspace, endpointName, options.name);
    printData(output, { deleted: options.name }, () => `deleted deployment ${options.name} of ${endpointName}`);
  });
}

async function readText(file: string): Promise<string> {
  return readUserFile(file, 'pass the path of a YAML or JSON file');
}

/** "blue=90 green=10" (spaces or commas) → { blue: 90, green: 10 }; a malformed entry names itself. */
export function parseSplit(text: string, flag: string): Record<string, number> {
  const split: Record<string, number> = {};
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const match = /^([^=]+)=(\d+)%?$/.exec(entry);
    if (!match)
      throw new ApiError(400, 'InvalidTraffic', `${flag}: '${entry}' is not deployment=percent; write e.g. ${flag} "blue=90 green=10"`);
    split[match[1]!] = Number(match[2]);
  }
  return split;
}

function trafficChange(options: { traffic?: string; mirrorTraffic?: string }) {
  return {
    ...(options.traffic ? { traffic: parseSplit(options.traffic, '--traffic') } : {}),
    ...(options.mirrorTraffic ? { mirrorTraffic: parseSplit(options.mirrorTraffic, '--mirror-traffic') } : {}),
  };
}

function formatSplit(split: Record<string, number>): string {
  return (
    Object.entries(split)
      .map(([name, percent]) => `${name}=${percent}`)
      .join(' ') || '-'
  );
}

function endpointDetail(endpoint: EndpointBody): string {
  const mirror = Object.keys(endpoint.mirrorTraffic).length > 0 ? `\nmirror:      ${formatSplit(endpoint.mirrorTraffic)}` : '';
  return `endpoint ${endpoint.name} (${endpoint.authMode} auth)\nscoring URI: ${endpoint.scoringUri}\nv2 infer:    ${endpoint.openInferenceUri}\ntraffic:     ${formatSplit(endpoint.traffic)}${mirror}`;
}

function deploymentTable(deployments: DeploymentBody[], owner: EndpointBody): string {
  if (deployments.length === 0)
    return `no deployments yet; create one with: trellis online-deployment create --file blue.yml --endpoint-name ${owner.name}`;
  return renderTable(
    ['DEPLOYMENT', 'STATE', 'TRAFFIC', 'INSTANCES', 'MODEL', 'DEPLOYED BY', 'DEPLOYED AT'],
    deployments.map((item) => [
      item.name,
      item.state,
      `${owner.traffic[item.name] ?? 0}%${owner.mirrorTraffic[item.name] ? ` (+${owner.mirrorTraffic[item.name]}% mirror)` : ''}`,
      `${item.readyInstances}/${item.instanceCount}`,
      item.lineage.model ? `${item.lineage.model.name}:${item.lineage.model.version}` : '-',
      item.lineage.deployedBy,
      new Date(item.lineage.deployedAt).toISOString().replace('T', ' ').slice(0, 19),
    ]),
  );
}

function deploymentDetail(item: DeploymentBody): string {
  const lines = [
    `deployment ${item.name} of ${item.endpoint}: ${item.state}${item.reason ? ` — ${item.reason}` : ''}`,
    `model:       ${item.lineage.model ? `${item.lineage.model.name}:${item.lineage.model.version} (${item.lineage.model.type})` : '-'}`,
    `environment: ${item.lineage.environment ? `${item.lineage.environment.name}${item.lineage.environment.version ? `:${item.lineage.environment.version}` : ''}${item.lineage.environment.curated ? ' (curated)' : ''}` : "- (the runtime's own)"}`,
    `code:        ${item.lineage.code ? `${item.lineage.code.name} (${item.lineage.code.digest})` : '-'}`,
    `deployed by: ${item.lineage.deployedBy} at ${new Date(item.lineage.deployedAt).toISOString()}`,
    `instances:   ${item.readyInstances} ready of ${item.instanceCount}`,
  ];
  for (const instance of item.instances)
    lines.push(
      `  #${instance.index} ${instance.state}${instance.pid ? ` pid ${instance.pid}` : ''}, ${instance.inFlight} in flight, ${instance.restarts} restarts${instance.failure ? ` — ${instance.failure}` : ''}`,
    );
  return lines.join('\n');
}

/** 30s, 2m, 500ms, or a plain number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new ApiError(400, 'InvalidDuration', `${flag}: '${text}' is not a duration; write e.g. 30s, 2m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

/** 1% or 0.01 → 0.01. */
export function parseRate(text: string): number {
  const trimmed = text.trim();
  const value = trimmed.endsWith('%') ? Number(trimmed.slice(0, -1)) / 100 : Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ApiError(400, 'InvalidRate', `--max-error-rate: '${text}' is not a rate; write e.g. 1% or 0.01`);
  return value;
}

function rolloutDetail(rollout: RolloutBody): string {
  const state =
    rollout.phase === 'rolled-back'
      ? `rolled back: ${rollout.rollbackReason ?? ''}`
      : rollout.phase === 'done'
        ? 'done'
        : `step ${rollout.stepIndex + 1} of ${rollout.steps.length}`;
  return `rollout of ${rollout.endpoint} to ${rollout.to} (steps ${rollout.steps.join(', ')}%): ${state}\ntraffic now: ${formatSplit(rollout.weights)}`;
}

function auditLine(record: RolloutBody['audit'][number]): string {
  const seen = record.observation
    ? ` [${record.observation.requests} requests, ${(record.observation.errorRate * 100).toFixed(2)}% errors${record.observation.p99Ms !== undefined ? `, p99 ${record.observation.p99Ms.toFixed(1)} ms` : ''}]`
    : '';
  return `${new Date(record.at).toISOString().slice(11, 19)} step ${record.step}: ${record.decision} → ${formatSplit(record.weights)}${seen} ${record.reason}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
