import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { V1Container, V1ContainerStatus, V1Job, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { kubernetesSchemaErrors, type KubernetesKind } from '../fixtures/kubernetes-schemas/validate-manifest.js';

/**
 * A Kubernetes API server and kubelet in one, for end-to-end tests without a cluster. Over real
 * HTTP it answers the calls the Kubernetes backend makes (create, read and delete namespaced
 * Jobs, create and read Services and Secrets, list pods by label) and checks every Job, Service
 * and Secret it is sent against the official v1.30 schemas, refusing an invalid one with 422 as the API server
 * would. Then it runs each Job's pods as a kubelet would, with the processes of this machine:
 * the init containers one after the other, then the containers side by side, each with
 * `command` as given and the pod's env on top of this process's (standing in for the image's
 * own env), a secretKeyRef read from the Secret (waited for, as the kubelet retries). It does not pull images or isolate anything: each emptyDir volume is a temporary
 * folder, and the container paths of volume mounts are rewritten to it in the command, env and
 * working directory. A stop sends TERM to each container's first process, as the kubelet does,
 * then KILL after the grace period; when a container's first process ends, the rest of its
 * process group is killed, as its PID namespace would be. A Job completes when all its pods
 * succeeded and fails (BackoffLimitExceeded) at its first failed pod, with the exit codes in the
 * pods' container statuses. `evict` ends a pod as the eviction API does (DisruptionTarget).
 *
 * Not emulated: scheduling, node selectors, tolerations, resources, images, DNS (the headless
 * Service names resolve nowhere), activeDeadlineSeconds, watches, and every endpoint not listed.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

interface EmulatedContainer {
  name: string;
  process?: ChildProcess;
  status: V1ContainerStatus;
  output: string;
}

interface EmulatedPod {
  object: V1Pod;
  namespace: string;
  jobName: string;
  containers: EmulatedContainer[];
  initContainers: EmulatedContainer[];
  terminating: boolean;
  done: Promise<void>;
}

export class KubernetesEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Every schema failure of a Job, Service or Secret sent to this server; a test asserts there are none. */
  readonly schemaFailures: Array<{ kind: KubernetesKind; name: string; errors: string[] }> = [];
  /** Every Job, Service and Secret that passed the schema check, as sent. */
  readonly accepted: Array<{ kind: KubernetesKind; object: V1Job | V1Service | V1Secret }> = [];
  readonly jobs = new Map<string, V1Job>();
  readonly services = new Map<string, V1Service>();
  readonly secrets = new Map<string, V1Secret>();
  readonly pods: EmulatedPod[] = [];
  private readonly token = randomBytes(12).toString('hex');
  private readonly server = createServer(
    (request, response) =>
      void this.handle(request, response).catch((error: unknown) => this.fail(response, 500, 'InternalError', String(error))),
  );
  private url = '';

  /** `scratch`: where pods' emptyDir folders are made. */
  constructor(private readonly scratch: string) {}

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Kills what still runs and stops listening. */
  async close(): Promise<void> {
    for (const pod of this.pods)
      for (const container of [...pod.initContainers, ...pod.containers]) killGroup(container.process, 'SIGKILL');
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  /** A kubeconfig that reaches this server with its bearer token. */
  kubeconfig(namespace = 'default'): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // Plain HTTP, which the client accepts only with TLS checks off; a real cluster's server is https.
      clusters: [{ name: 'emulated', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'trellis', user: { token: this.token } }],
      contexts: [{ name: 'emulated', context: { cluster: 'emulated', user: 'trellis', namespace } }],
      'current-context': 'emulated',
    });
  }

  /** The pods of a Job, by the Job's name. */
  podsOf(jobName: string): EmulatedPod[] {
    return this.pods.filter((pod) => pod.jobName === jobName);
  }

  /** What a pod's container printed (stdout and stderr), for failure messages. */
  output(pod: EmulatedPod): string {
    return [...pod.initContainers, ...pod.containers]
      .map((container) => `--- ${pod.object.metadata?.name}/${container.name}\n${container.output}`)
      .join('\n');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams });
    if (request.headers.authorization !== `Bearer ${this.token}`) return this.fail(response, 401, 'Unauthorized', 'Unauthorized');
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : undefined;

    const jobs = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+)(\/status)?)?$/.exec(url.pathname);
    if (jobs) {
      const [, namespace = '', name] = jobs;
      if (method === 'POST' && !name) return this.createJob(response, namespace, body as V1Job);
      const job = name ? this.jobs.get(`${namespace}/${name}`) : undefined;
      if (!job) return this.fail(response, 404, 'NotFound', `jobs.batch "${name}" not found`);
      if (method === 'GET') return send(response, 200, job);
      if (method === 'DELETE' && !jobs[3]) {
        this.deleteJob(
          namespace,
          job,
          Number(url.searchParams.get('gracePeriodSeconds') ?? job.spec?.template.spec?.terminationGracePeriodSeconds ?? 30),
        );
        return send(response, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Success',
          details: { name, group: 'batch', kind: 'jobs', uid: job.metadata?.uid },
        });
      }
    }
    const services = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/.exec(url.pathname);
    if (services) {
      const [, namespace = '', name] = services;
      if (method === 'POST' && !name) {
        const service = body as V1Service;
        if (!this.accept(response, 'Service', namespace, service)) return;
        const key = `${namespace}/${service.metadata?.name}`;
        if (this.services.has(key)) return this.fail(response, 409, 'AlreadyExists', `services "${service.metadata?.name}" already exists`);
        const stored = { ...service, metadata: { ...service.metadata, uid: randomBytes(8).toString('hex') } };
        this.services.set(key, stored);
        return send(response, 201, stored);
      }
      const service = name ? this.services.get(`${namespace}/${name}`) : undefined;
      if (method === 'GET' && service) return send(response, 200, service);
      if (method === 'GET') return this.fail(response, 404, 'NotFound', `services "${name}" not found`);
    }
    const secrets = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (secrets) {
      const [, namespace = '', name] = secrets;
      if (method === 'POST' && !name) {
        const secret = body as V1Secret;
        if (!this.accept(response, 'Secret', namespace, secret)) return;
        const key = `${namespace}/${secret.metadata?.name}`;
        if (this.secrets.has(key)) return this.fail(response, 409, 'AlreadyExists', `secrets "${secret.metadata?.name}" already exists`);
        // stringData is write-only: the API server folds it into data (base64) and answers without it.
        const data = { ...secret.data };
        for (const [entry, value] of Object.entries(secret.stringData ?? {})) data[entry] = Buffer.from(value).toString('base64');
        const { stringData: _written, ...rest } = secret;
        const stored: V1Secret = { ...rest, data, metadata: { ...secret.metadata, uid: randomBytes(8).toString('hex') } };
        this.secrets.set(key, stored);
        return send(response, 201, stored);
      }
      const secret = name ? this.secrets.get(`${namespace}/${name}`) : undefined;
      if (method === 'GET' && secret) return send(response, 200, secret);
      if (method === 'GET') return this.fail(response, 404, 'NotFound', `secrets "${name}" not found`);
    }
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (pods && method === 'GET') {
      const [key, value] = (url.searchParams.get('labelSelector') ?? '').split('=');
      const items = this.pods
        .filter((pod) => pod.namespace === pods[1] && (!key || pod.object.metadata?.labels?.[key] === value))
        .map((pod) => pod.object);
      return send(response, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    return this.fail(response, 404, 'NotFound', `the emulated API server has no ${method} ${url.pathname}`);
  }

  /** Checks an object against its schema and namespace; answers 422 and records the failure when it does not fit. */
  private accept(response: ServerResponse, kind: KubernetesKind, namespace: string, object: V1Job | V1Service | V1Secret): boolean {
    const errors = kubernetesSchemaErrors(kind, object);
    if (object.metadata?.namespace && object.metadata.namespace !== namespace)
      errors.push(`metadata.namespace ${object.metadata.namespace} is not the namespace of the URL (${namespace})`);
    if (errors.length > 0) {
      this.schemaFailures.push({ kind, name: object.metadata?.name ?? '', errors });
      this.fail(response, 422, 'Invalid', `${kind} "${object.metadata?.name}" is invalid: ${errors.join('; ')}`);
      return false;
    }
    this.accepted.push({ kind, object });
    return true;
  }

  private createJob(response: ServerResponse, namespace: string, job: V1Job): void {
    if (!this.accept(response, 'Job', namespace, job)) return;
    const key = `${namespace}/${job.metadata?.name}`;
    if (this.jobs.has(key)) {
      this.fail(response, 409, 'AlreadyExists', `jobs.batch "${job.metadata?.name}" already exists`);
      return;
    }
    const stored: V1Job = {
      ...job,
      metadata: { ...job.metadata, namespace, uid: randomBytes(8).toString('hex'), creationTimestamp: new Date() },
      status: { active: job.spec?.parallelism ?? 1 },
    };
    this.jobs.set(key, stored);
    send(response, 201, stored);
    const completions = job.spec?.completions ?? 1;
    for (let index = 0; index < completions; index++) this.startPod(namespace, stored, index);
  }

  /** Runs pod `index` of a Job: init containers in turn, then the containers together. */
  private startPod(namespace: string, job: V1Job, index: number): void {
    const template = job.spec!.template;
    const spec = template.spec!;
    const jobName = job.metadata!.name!;
    const isIndexed = job.spec?.completionMode === 'Indexed';
    const name = `${jobName}-${isIndexed ? `${index}-` : ''}${randomBytes(3).toString('hex').slice(0, 5)}`;
    const labels = {
      ...template.metadata?.labels,
      'job-name': jobName,
      'batch.kubernetes.io/job-name': jobName,
      ...(isIndexed ? { 'batch.kubernetes.io/job-completion-index': String(index) } : {}),
    };
    const container = (definition: V1Container): EmulatedContainer => ({
      name: definition.name,
      status: {
        name: definition.name,
        image: definition.image ?? '',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'PodInitializing' } },
      },
      output: '',
    });
    const pod: EmulatedPod = {
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels, annotations: template.metadata?.annotations ?? {} },
        status: { phase: 'Pending' },
      },
      namespace,
      jobName,
      initContainers: (spec.initContainers ?? []).map(container),
      containers: spec.containers.map(container),
      terminating: false,
      done: Promise.resolve(),
    };
    this.pods.push(pod);
    pod.done = (async () => {
      const volumes = new Map<string, string>();
      for (const volume of spec.volumes ?? []) {
        const folder = join(this.scratch, name, volume.name);
        await mkdir(folder, { recursive: true });
        volumes.set(volume.name, folder);
      }
      const run = (definition: V1Container, emulated: EmulatedContainer) =>
        this.runContainer(definition, emulated, volumes, namespace, {
          ...(isIndexed ? { JOB_COMPLETION_INDEX: String(index) } : {}),
          HOSTNAME: name,
        });
      const syncStatus = () => {
        pod.object.status = {
          ...pod.object.status,
          initContainerStatuses: pod.initContainers.map((item) => item.status),
          containerStatuses: pod.containers.map((item) => item.status),
        };
      };
      syncStatus();
      let failed = false;
      for (const [position, definition] of (spec.initContainers ?? []).entries()) {
        if (pod.terminating) break;
        const code = await run(definition, pod.initContainers[position]!);
        syncStatus();
        if (code !== 0) {
          failed = true;
          break;
        }
      }
      // After a failed init container the containers never start: they stay waiting (PodInitializing).
      if (!failed && !pod.terminating) {
        pod.object.status = { ...pod.object.status, phase: 'Running' };
        const codes = await Promise.all(spec.containers.map((definition, position) => run(definition, pod.containers[position]!)));
        failed = codes.some((code) => code !== 0);
      } else {
        // Deleted before its containers started.
        failed = true;
      }
      syncStatus();
      pod.object.status = { ...pod.object.status, phase: failed ? 'Failed' : 'Succeeded' };
      this.podEnded(namespace, jobName, failed);
    })().catch((error: unknown) => {
      pod.object.status = { ...pod.object.status, phase: 'Failed', message: `the emulated kubelet failed: ${String(error)}` };
      this.podEnded(namespace, jobName, true);
    });
  }

  /** Runs one container's command to its end; answers its exit code as a container runtime reports it. */
  private async runContainer(
    definition: V1Container,
    emulated: EmulatedContainer,
    volumes: Map<string, string>,
    namespace: string,
    podEnv: Record<string, string>,
  ): Promise<number> {
    const mounts = (definition.volumeMounts ?? [])
      .map((mount) => [mount.mountPath, volumes.get(mount.name)!] as const)
      .sort((a, b) => b[0].length - a[0].length);
    const rewrite = (text: string) => mounts.reduce((value, [mountPath, folder]) => value.split(mountPath).join(folder), text);
    const env: NodeJS.ProcessEnv = { ...process.env, ...podEnv };
    for (const variable of definition.env ?? []) {
      const reference = variable.valueFrom?.secretKeyRef;
      env[variable.name] = reference
        ? await this.secretValue(namespace, reference.name ?? '', reference.key)
        : rewrite(variable.value ?? '');
    }
    const [command, ...args] = (definition.command ?? []).map(rewrite);
    const child = spawn(command!, args, {
      cwd: definition.workingDir ? rewrite(definition.workingDir) : this.scratch,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    emulated.process = child;
    child.stdout!.on('data', (chunk: Buffer) => (emulated.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (emulated.output += chunk.toString()));
    emulated.status = { ...emulated.status, state: { running: { startedAt: new Date() } } };
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      // A command that cannot start: runtimes report 127 (not found) or 126.
      child.once('error', (error) => {
        emulated.output += `${error.message}\n`;
        resolve([127, null]);
      });
    });
    // The container's PID namespace ends with its first process: nothing it started survives.
    killGroup(child, 'SIGKILL');
    const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
    emulated.status = {
      ...emulated.status,
      state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: new Date() } },
    };
    return exitCode;
  }

  private podEnded(namespace: string, jobName: string, failed: boolean): void {
    const job = this.jobs.get(`${namespace}/${jobName}`);
    if (!job) return;
    const status = job.status ?? {};
    const succeeded = (status.succeeded ?? 0) + (failed ? 0 : 1);
    const failedPods = (status.failed ?? 0) + (failed ? 1 : 0);
    const completions = job.spec?.completions ?? 1;
    const conditions = [...(status.conditions ?? [])];
    const now = new Date();
    if (failedPods > (job.spec?.backoffLimit ?? 6) && !conditions.some((condition) => condition.type === 'Failed')) {
      conditions.push({
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        lastProbeTime: now,
        lastTransitionTime: now,
      });
      // As the Job controller does: the other pods of a failed Job are stopped.
      for (const pod of this.podsOf(jobName)) this.terminatePod(pod, job.spec?.template.spec?.terminationGracePeriodSeconds ?? 30);
    } else if (succeeded >= completions) {
      conditions.push({ type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now });
    }
    job.status = { ...status, succeeded, failed: failedPods, active: Math.max(0, (status.active ?? 0) - 1), conditions };
  }

  /**
   * A key of a Secret, as the kubelet resolves a secretKeyRef: a container whose Secret is not
   * there yet waits (CreateContainerConfigError, retried), here up to 30 s, then fails to start.
   */
  private async secretValue(namespace: string, name: string, key: string): Promise<string> {
    for (let waited = 0; ; waited += 100) {
      const value = this.secrets.get(`${namespace}/${name}`)?.data?.[key];
      if (value !== undefined) return Buffer.from(value, 'base64').toString('utf8');
      if (waited >= 30_000) throw new Error(`CreateContainerConfigError: secret "${name}" (key ${key}) not found`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Foreground deletion: the Job stays, marked as being deleted, until its pods are gone; then it and what it owns go. */
  private deleteJob(namespace: string, job: V1Job, graceSeconds: number): void {
    if (job.metadata?.deletionTimestamp) return;
    job.metadata = { ...job.metadata, deletionTimestamp: new Date(), finalizers: ['foregroundDeletion'] };
    const name = job.metadata.name!;
    const pods = this.podsOf(name);
    for (const pod of pods) this.terminatePod(pod, graceSeconds);
    void Promise.all(pods.map((pod) => pod.done)).then(() => {
      this.jobs.delete(`${namespace}/${name}`);
      const isOwned = (object: V1Service | V1Secret) => object.metadata?.ownerReferences?.some((owner) => owner.uid === job.metadata?.uid);
      for (const [key, service] of this.services) if (isOwned(service)) this.services.delete(key);
      for (const [key, secret] of this.secrets) if (isOwned(secret)) this.secrets.delete(key);
      for (const pod of pods) this.pods.splice(this.pods.indexOf(pod), 1);
    });
  }

  /**
   * Evicts a pod as the eviction API (or a spot node's removal) does: marks it with a
   * DisruptionTarget condition, then terminates it with its own grace period.
   */
  evict(pod: EmulatedPod): void {
    const now = new Date();
    pod.object.status = {
      ...pod.object.status,
      conditions: [
        ...(pod.object.status?.conditions ?? []),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'EvictionByEvictionAPI',
          message: 'Eviction API: evicting',
          lastTransitionTime: now,
        },
      ],
    };
    const job = this.jobs.get(`${pod.namespace}/${pod.jobName}`);
    this.terminatePod(pod, job?.spec?.template.spec?.terminationGracePeriodSeconds ?? 30);
  }

  /** What the kubelet does to a pod being deleted: TERM to every container's first process, KILL after the grace period. */
  private terminatePod(pod: EmulatedPod, graceSeconds: number): void {
    if (pod.terminating) return;
    pod.terminating = true;
    const running = [...pod.initContainers, ...pod.containers]
      .map((container) => container.process)
      .filter((child): child is ChildProcess => child !== undefined && child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of running) killGroup(child, 'SIGKILL');
    }, graceSeconds * 1000);
    void pod.done.finally(() => clearTimeout(timer));
  }

  private fail(response: ServerResponse, code: number, reason: string, message: string): void {
    if (response.headersSent) return;
    send(response, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }
}

function send(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Signals a container's whole process group (it was started as the group's leader). */
function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
