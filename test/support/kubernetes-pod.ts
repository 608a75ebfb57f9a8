import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Secret, V1Volume } from '@kubernetes/client-node';

/**
 * The first container of a rendered Deployment's pod, laid out on this machine as the kubelet
 * would lay it out, without a cluster: its environment (envFrom ConfigMaps, values, secretKeyRefs
 * read from the given Secrets, as the kubelet resolves them) and its volumes (each emptyDir and
 * persistentVolumeClaim a fresh folder; each secret volume projected as the kubelet projects it:
 * the keys in a timestamped folder, `..data` a link to it, each item path a link through
 * `..data`, with the volume's defaultMode). Mount paths in variables are rewritten to the folders.
 * Not emulated: the image, the user, read-only mounts (the tests run as root, who writes anyway).
 */

export interface LaidOutPod {
  /** The container's variables, paths on this machine. */
  env: Record<string, string>;
  /** Mount path in the pod → folder on this machine. */
  mounts: Map<string, string>;
}

export async function layOutPod(objects: readonly KubernetesObject[], secrets: readonly V1Secret[] = []): Promise<LaidOutPod> {
  const deployment = objects.find((object): object is V1Deployment => object.kind === 'Deployment');
  if (!deployment?.spec?.template.spec) throw new Error('no Deployment among the objects');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  const configMaps = objects.filter((object): object is V1ConfigMap => object.kind === 'ConfigMap');
  const allSecrets = [...objects.filter((object): object is V1Secret => object.kind === 'Secret'), ...secrets];
  const secretValue = (name: string, key: string): Buffer | undefined => {
    const secret = allSecrets.find((candidate) => candidate.metadata?.name === name);
    const data = secret?.data?.[key];
    if (data !== undefined) return Buffer.from(data, 'base64');
    const text = secret?.stringData?.[key];
    return text === undefined ? undefined : Buffer.from(text, 'utf8');
  };

  const root = await mkdtemp(join(tmpdir(), 'trellis-pod-'));
  const volumes = new Map((pod.volumes ?? []).map((volume) => [volume.name, volume]));
  const mounts = new Map<string, string>();
  // Outer mounts first: a mount inside another volume's path appears inside that volume's folder.
  for (const mount of [...(container.volumeMounts ?? [])].sort((a, b) => a.mountPath.length - b.mountPath.length)) {
    const outer = [...mounts.entries()]
      .filter(([path]) => mount.mountPath.startsWith(`${path}/`))
      .sort((a, b) => b[0].length - a[0].length)[0];
    const folder = outer ? join(outer[1], mount.mountPath.slice(outer[0].length + 1)) : join(root, `volume-${mount.name}`);
    const volume = volumes.get(mount.name);
    if (!volume) throw new Error(`mount ${mount.name} names no volume`);
    await materialize(volume, folder, secretValue);
    mounts.set(mount.mountPath, folder);
  }
  const rewrite = (value: string) => {
    for (const [path, folder] of [...mounts.entries()].sort((a, b) => b[0].length - a[0].length))
      if (value === path || value.startsWith(`${path}/`)) return folder + value.slice(path.length);
    return value;
  };

  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const configMap = configMaps.find((candidate) => candidate.metadata?.name === source.configMapRef?.name);
    if (!configMap) throw new Error(`envFrom names ConfigMap ${source.configMapRef?.name}, which is not among the objects`);
    for (const [name, value] of Object.entries(configMap.data ?? {})) env[name] = rewrite(value);
  }
  for (const variable of container.env ?? []) {
    const reference = variable.valueFrom?.secretKeyRef;
    if (!reference) {
      env[variable.name] = rewrite(variable.value ?? '');
      continue;
    }
    const value = secretValue(reference.name ?? '', reference.key);
    if (value !== undefined) env[variable.name] = value.toString('utf8');
    // The kubelet does not start a container whose required secretKeyRef is missing (CreateContainerConfigError).
    else if (!reference.optional) throw new Error(`CreateContainerConfigError: secret ${reference.name} has no key ${reference.key}`);
  }
  return { env, mounts };
}

async function materialize(
  volume: V1Volume,
  folder: string,
  secretValue: (name: string, key: string) => Buffer | undefined,
): Promise<void> {
  if (volume.emptyDir || volume.persistentVolumeClaim) {
    await mkdir(folder, { recursive: true });
    return;
  }
  if (volume.secret) {
    const name = volume.secret.secretName ?? '';
    const stamped = `..${new Date().toISOString().replace(/[-:.]/g, '_')}`;
    await mkdir(join(folder, stamped), { recursive: true });
    for (const item of volume.secret.items ?? []) {
      const value = secretValue(name, item.key);
      if (value === undefined) throw new Error(`secret volume ${volume.name}: secret ${name} has no key ${item.key}`);
      await writeFile(join(folder, stamped, item.path), value, { mode: item.mode ?? volume.secret.defaultMode ?? 0o644 });
      await symlink(join('..data', item.path), join(folder, item.path));
    }
    await symlink(stamped, join(folder, '..data'));
    return;
  }
  throw new Error(`volume ${volume.name}: only emptyDir, persistentVolumeClaim and secret volumes are laid out`);
}
