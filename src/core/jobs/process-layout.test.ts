import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processLayout } from './process-layout.js';

describe('processLayout', () => {
  it('gives every PyTorch process its global and local rank, the world size and the master', () => {
    const slots = processLayout(
      { type: 'pytorch', process_count_per_instance: 2 },
      { instanceCount: 2, hosts: ['node-0', 'node-1'], masterPort: 29500 },
    );
    assert.deepEqual(
      slots.map((slot) => [slot.node, slot.env.RANK, slot.env.LOCAL_RANK]),
      [
        [0, '0', '0'],
        [0, '1', '1'],
        [1, '2', '0'],
        [1, '3', '1'],
      ],
    );
    assert.ok(slots.every((slot) => slot.env.WORLD_SIZE === '4' && slot.env.MASTER_ADDR === 'node-0' && slot.env.MASTER_PORT === '29500'));
    assert.deepEqual(
      slots.map((slot) => slot.env.NODE_RANK),
      ['0', '0', '1', '1'],
    );
  });

  it("sets Open MPI's world variables for mpi", () => {
    const slots = processLayout(
      { type: 'mpi', process_count_per_instance: 3 },
      { instanceCount: 1, hosts: ['localhost'], masterPort: 29500 },
    );
    assert.deepEqual(
      slots.map((slot) => slot.env.OMPI_COMM_WORLD_RANK),
      ['0', '1', '2'],
    );
    assert.ok(slots.every((slot) => slot.env.OMPI_COMM_WORLD_SIZE === '3' && slot.env.OMPI_COMM_WORLD_LOCAL_SIZE === '3'));
    assert.ok(slots.every((slot) => slot.env.AZ_BATCHAI_MPI_MASTER_NODE === 'localhost'));
    // One node: Azure ML sets no AZ_BATCH_MASTER_NODE, and scripts read its absence as "single node".
    assert.ok(slots.every((slot) => !('AZ_BATCH_MASTER_NODE' in slot.env)));
  });

  it('numbers mpi processes node by node, with the master as host:port on several nodes', () => {
    const slots = processLayout(
      { type: 'mpi', process_count_per_instance: 2 },
      { instanceCount: 2, hosts: ['node-0', 'node-1'], masterPort: 29500 },
    );
    assert.deepEqual(
      slots.map((slot) => [slot.node, slot.env.OMPI_COMM_WORLD_RANK, slot.env.OMPI_COMM_WORLD_LOCAL_RANK]),
      [
        [0, '0', '0'],
        [0, '1', '1'],
        [1, '2', '0'],
        [1, '3', '1'],
      ],
    );
    // Open MPI's NODE_RANK is the rank among the node's processes, not the node's index.
    assert.deepEqual(
      slots.map((slot) => slot.env.OMPI_COMM_WORLD_NODE_RANK),
      ['0', '1', '0', '1'],
    );
    assert.ok(slots.every((slot) => slot.env.AZ_BATCH_MASTER_NODE === 'node-0:29500' && slot.env.OMPI_COMM_WORLD_SIZE === '4'));
  });

  it('gives every process of every distribution a distinct rank, numbered from 0', () => {
    const placement = { instanceCount: 3, hosts: ['a', 'b', 'c'], masterPort: 1 };
    for (const distribution of [
      { type: 'pytorch', process_count_per_instance: 4 },
      { type: 'mpi', process_count_per_instance: 2 },
      { type: 'tensorflow', worker_count: 3, parameter_server_count: 2 },
    ] as const) {
      const slots = processLayout(distribution, placement);
      assert.deepEqual(
        slots.map((slot) => slot.rank),
        slots.map((_, index) => index),
        distribution.type,
      );
      assert.ok(
        slots.every((slot) => slot.node >= 0 && slot.node < 3),
        distribution.type,
      );
    }
  });

  it('refuses a process_count_per_instance below 1', () => {
    assert.throws(
      () => processLayout({ type: 'pytorch', process_count_per_instance: 0 }, { instanceCount: 1, hosts: ['a'], masterPort: 1 }),
      /1 or more/,
    );
  });

  it('describes the cluster in TF_CONFIG for tensorflow, workers defaulting to the instance count', () => {
    const slots = processLayout(
      { type: 'tensorflow', parameter_server_count: 1 },
      { instanceCount: 2, hosts: ['a', 'b'], masterPort: 2222 },
    );
    const configs = slots.map(
      (slot) => JSON.parse(slot.env.TF_CONFIG!) as { cluster: { worker: string[]; ps: string[] }; task: { type: string; index: number } },
    );
    assert.deepEqual(configs[0]!.cluster, { worker: ['a:2222', 'b:2223'], ps: ['a:2224'] });
    assert.deepEqual(
      configs.map((config) => [config.task.type, config.task.index]),
      [
        ['worker', 0],
        ['worker', 1],
        ['ps', 0],
      ],
    );
  });

  it('runs the command once per node without a distribution', () => {
    const slots = processLayout(undefined, { instanceCount: 3, hosts: ['a', 'b', 'c'], masterPort: 1 });
    assert.deepEqual(
      slots.map((slot) => slot.env.NODE_RANK),
      ['0', '1', '2'],
    );
  });

  it('refuses a placement without one host per instance', () => {
    assert.throws(() => processLayout(undefined, { instanceCount: 2, hosts: ['a'], masterPort: 1 }), /one host per instance/);
  });
});
