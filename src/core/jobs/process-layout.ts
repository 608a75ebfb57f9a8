/**
 * Which processes a distributed command job starts and the environment each one gets, as Azure
 * ML sets it up (learn.microsoft.com/azure/machine-learning/how-to-train-distributed-gpu):
 * - `pytorch`: torch.distributed's env:// variables MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK,
 *   LOCAL_RANK and NODE_RANK, plus torchrun's LOCAL_WORLD_SIZE and GROUP_RANK;
 * - `mpi`: what mpirun gives each process (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK, _LOCAL_SIZE,
 *   _NODE_RANK), AZ_BATCHAI_MPI_MASTER_NODE (the first node) and, on several nodes,
 *   AZ_BATCH_MASTER_NODE (`host:port`, which scripts split into MASTER_ADDR and MASTER_PORT);
 * - `tensorflow`: TF_CONFIG, the cluster and the process's own task.
 * Pure: the caller says where the nodes are and which port the first one listens on.
 */

export type Distribution =
  | { type: 'pytorch'; process_count_per_instance: number }
  | { type: 'mpi'; process_count_per_instance: number }
  | { type: 'tensorflow'; worker_count?: number | undefined; parameter_server_count: number };

export interface ProcessSlot {
  /** Which node (0-based) runs the process. */
  node: number;
  /** The process's global rank. */
  rank: number;
  env: Record<string, string>;
}

export interface Placement {
  instanceCount: number;
  /** Host names or addresses of the nodes, one per instance; the first is the rendezvous master. */
  hosts: string[];
  masterPort: number;
}

export function processLayout(distribution: Distribution | undefined, placement: Placement): ProcessSlot[] {
  const { instanceCount, hosts, masterPort } = placement;
  if (hosts.length !== instanceCount)
    throw new Error(`processLayout needs one host per instance: ${hosts.length} hosts for ${instanceCount} instances`);
  const master = hosts[0]!;
  if (!distribution) {
    // Without a distribution Azure ML runs the command once per node, with no rendezvous.
    return hosts.map((_, node) => ({ node, rank: node, env: { NODE_RANK: String(node) } }));
  }
  if (distribution.type === 'tensorflow') {
    const workers = distribution.worker_count ?? instanceCount;
    const servers = distribution.parameter_server_count;
    const address = (index: number) => `${hosts[index % instanceCount]}:${masterPort + index}`;
    const cluster = {
      worker: Array.from({ length: workers }, (_, index) => address(index)),
      ...(servers > 0 ? { ps: Array.from({ length: servers }, (_, index) => address(workers + index)) } : {}),
    };
    const slot = (role: 'worker' | 'ps', index: number, globalIndex: number): ProcessSlot => ({
      node: globalIndex % instanceCount,
      rank: globalIndex,
      env: { TF_CONFIG: JSON.stringify({ cluster, task: { type: role, index } }) },
    });
    return [
      ...Array.from({ length: workers }, (_, index) => slot('worker', index, index)),
      ...Array.from({ length: servers }, (_, index) => slot('ps', index, workers + index)),
    ];
  }
  const perNode = distribution.process_count_per_instance;
  if (!Number.isInteger(perNode) || perNode < 1) throw new Error(`process_count_per_instance must be 1 or more, got ${perNode}`);
  const worldSize = perNode * instanceCount;
  const slots: ProcessSlot[] = [];
  for (let node = 0; node < instanceCount; node++) {
    for (let local = 0; local < perNode; local++) {
      const rank = node * perNode + local;
      const env: Record<string, string> =
        distribution.type === 'pytorch'
          ? {
              RANK: String(rank),
              LOCAL_RANK: String(local),
              WORLD_SIZE: String(worldSize),
              LOCAL_WORLD_SIZE: String(perNode),
              NODE_RANK: String(node),
              GROUP_RANK: String(node),
              MASTER_ADDR: master,
              MASTER_PORT: String(masterPort),
            }
          : {
              OMPI_COMM_WORLD_RANK: String(rank),
              OMPI_COMM_WORLD_SIZE: String(worldSize),
              OMPI_COMM_WORLD_LOCAL_RANK: String(local),
              OMPI_COMM_WORLD_LOCAL_SIZE: String(perNode),
              // Despite its name, Open MPI's NODE_RANK is the process's rank among all processes on
              // its node, not the node's index (Azure ML's guide warns of the same); one job per node
              // makes it the local rank.
              OMPI_COMM_WORLD_NODE_RANK: String(local),
              AZ_BATCHAI_MPI_MASTER_NODE: master,
              ...(instanceCount > 1 ? { AZ_BATCH_MASTER_NODE: `${master}:${masterPort}` } : {}),
            };
      slots.push({ node, rank, env });
    }
  }
  return slots;
}
