import type { ProcessSlot } from '../../core/jobs/process-layout.js';
import { TrellisError } from '../../core/errors.js';
import { resultFolders } from './pod-transfer.js';

/**
 * How one pod of a Kubernetes Job starts its share of a job's processes. Every pod of an Indexed
 * Job gets the same template, so what differs between processes cannot be written into the pod
 * spec; the pod knows only its JOB_COMPLETION_INDEX (its node). The process slots the job runner
 * computed are therefore split into variables every process shares (they go into the pod's env)
 * and variables that follow from the process's node, local index or global rank (RANK,
 * LOCAL_RANK, NODE_RANK, OMPI_COMM_WORLD_RANK ...), which a small bash launcher computes from
 * JOB_COMPLETION_INDEX before it starts `bash -c "$TRELLIS_COMMAND"` once per process.
 */

export interface LauncherPlan {
  /** Variables every process gets. */
  sharedEnv: Record<string, string>;
  /** The script the container runs with `bash -c`; it reads TRELLIS_COMMAND, TRELLIS_LOG_DIR and TRELLIS_STATE_DIR. */
  script: string;
}

type Derivation = 'rank' | 'node' | 'local';

/** Variables that name the rendezvous host; on Kubernetes that is the first pod. */
const masterHostVariables = ['MASTER_ADDR', 'AZ_BATCHAI_MPI_MASTER_NODE'];
/** Variables that name the rendezvous host with its port (`host:port`): the port is kept. */
const masterEndpointVariables = ['AZ_BATCH_MASTER_NODE'];

/**
 * Plans the launcher for `processes` spread over `instanceCount` pods, pointing the rendezvous
 * variables at `masterHost`. Throws a TrellisError when a per-process variable cannot be derived
 * from the pod's index (tensorflow's TF_CONFIG, which names every host).
 */
export function planLauncher(processes: ProcessSlot[], instanceCount: number, masterHost: string): LauncherPlan {
  const perNode = processesPerNode(processes, instanceCount);
  const slots = processes.map((slot) => ({ ...slot, local: processes.filter((other) => other.node === slot.node).indexOf(slot) }));
  const names = [...new Set(slots.flatMap((slot) => Object.keys(slot.env)))].sort();
  const sharedEnv: Record<string, string> = {};
  const derived: Array<[string, Derivation]> = [];
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw unsupported(`'${name}' is not a variable name bash can export`);
    const values = slots.map((slot) => slot.env[name]);
    if (values.every((value) => value !== undefined && value === values[0])) {
      sharedEnv[name] = masterHostVariables.includes(name)
        ? masterHost
        : masterEndpointVariables.includes(name)
          ? `${masterHost}:${values[0]!.slice(values[0]!.lastIndexOf(':') + 1)}`
          : values[0]!;
      continue;
    }
    derived.push([name, derivationOf(name, slots, perNode)]);
  }
  const logFile = processes.length === 1 ? '"$TRELLIS_LOG_DIR/std_log.txt"' : '"$TRELLIS_LOG_DIR/std_log_process_$trellis_rank.txt"';
  const exports = derived.map(([name, from]) => `${name}="$trellis_${from}"`).join(' ');
  const script = [
    'set -u',
    'trellis_node="${JOB_COMPLETION_INDEX:-0}"',
    'mkdir -p "$TRELLIS_LOG_DIR" "$TRELLIS_STATE_DIR"',
    // The heartbeat the upload container watches (pod-transfer.ts): it stops when this container does.
    '(beat=0; while :; do beat=$((beat + 1)); echo "$beat" > "$TRELLIS_STATE_DIR/alive"; sleep 5; done) >/dev/null 2>&1 &',
    'heartbeat=$!',
    'pids=()',
    'tees=()',
    // Pass the platform's SIGTERM on to every process, so each can save a checkpoint.
    `trap 'kill -TERM "\${pids[@]}" 2>/dev/null' TERM INT`,
    `for ((trellis_local = 0; trellis_local < ${perNode}; trellis_local++)); do`,
    `  trellis_rank=$((trellis_node * ${perNode} + trellis_local))`,
    // The tee that copies a process's output to its log file and the container's stdout is opened
    // by this shell, so that it can wait for the tee to write the last line before the upload starts.
    `  exec {trellis_log}> >(tee ${logFile})`,
    '  tees+=($!)',
    `  (${exports ? `export ${exports}; ` : ''}exec bash -c "$TRELLIS_COMMAND") >&$trellis_log 2>&1 &`,
    '  pids+=($!)',
    '  exec {trellis_log}>&-',
    'done',
    // The first failure's exit code is the pod's, as a distributed run fails with its first rank.
    'status=0',
    'for pid in "${pids[@]}"; do',
    // A trapped TERM ends `wait` early, while the process may still be saving a checkpoint: wait again.
    '  while :; do wait "$pid"; code=$?; kill -0 "$pid" 2>/dev/null || break; done',
    '  if [ "$status" -eq 0 ] && [ "$code" -ne 0 ]; then status=$code; fi',
    'done',
    'kill "$heartbeat" 2>/dev/null',
    'wait',
    // Each tee ends once every process holding its pipe has; a leftover daemon holding it is given 10 s.
    'for tee_pid in "${tees[@]}"; do',
    '  for ((tick = 0; tick < 100; tick++)); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done',
    'done',
    // The upload container may run as another user: let it read what the job wrote (some files are made 0600).
    `(cd "$TRELLIS_STATE_DIR/.." && chmod -R a+rX ${resultFolders.join(' ')}) 2>/dev/null`,
    // Every process has ended and its output is in the log: the upload container may send them.
    'echo "$status" > "$TRELLIS_STATE_DIR/exit_code.tmp" && mv "$TRELLIS_STATE_DIR/exit_code.tmp" "$TRELLIS_STATE_DIR/exit_code"',
    'exit "$status"',
  ].join('\n');
  return { sharedEnv, script };
}

function processesPerNode(processes: ProcessSlot[], instanceCount: number): number {
  const counts = Array.from({ length: instanceCount }, (_, node) => processes.filter((slot) => slot.node === node).length);
  const perNode = counts[0] ?? 0;
  if (perNode < 1 || counts.some((count) => count !== perNode) || processes.some((slot) => slot.node < 0 || slot.node >= instanceCount)) {
    throw unsupported(`every one of the ${instanceCount} nodes must run the same number of processes (got ${counts.join(', ')} per node)`);
  }
  return perNode;
}

function derivationOf(name: string, slots: Array<ProcessSlot & { local: number }>, perNode: number): Derivation {
  const matches = (number: (slot: ProcessSlot & { local: number }) => number) =>
    slots.every((slot) => slot.env[name] === String(number(slot)));
  // The launcher numbers ranks node by node; a layout that numbers them otherwise is not derivable.
  if (matches((slot) => slot.rank) && slots.every((slot) => slot.rank === slot.node * perNode + slot.local)) return 'rank';
  if (matches((slot) => slot.node)) return 'node';
  if (matches((slot) => slot.local)) return 'local';
  throw unsupported(`${name} differs between processes in a way a pod cannot derive from its index`);
}

function unsupported(detail: string): TrellisError {
  return new TrellisError(
    'DistributionNotSupported',
    422,
    `this job's process layout cannot run on kubernetes compute: ${detail}; use pytorch or mpi distribution, or run it on amlcompute`,
  );
}
