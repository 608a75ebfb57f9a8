import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cgroupDir, parseMountInfo, parseProcCgroup } from './cgroups.js';

// A hybrid machine (v1 controllers, an empty v2 hierarchy) and a container whose v1 mounts show its own cgroup as the root.
const mountInfo = [
  '25 20 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpu,cpuacct',
  '30 25 0:27 /docker/abc /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory',
  '31 20 8:1 / /mnt/with\\040space rw - ext4 /dev/sda1 rw',
].join('\n');

describe('cgroup discovery', () => {
  it('reads mountinfo: root, mount point, type and super options, spaces unescaped', () => {
    const mounts = parseMountInfo(mountInfo);
    assert.equal(mounts.length, 5);
    assert.deepEqual(mounts[1], { root: '/', mountPoint: '/sys/fs/cgroup/unified', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] });
    assert.deepEqual(mounts[2]!.superOptions, ['rw', 'cpu', 'cpuacct']);
    assert.equal(mounts[4]!.mountPoint, '/mnt/with space');
  });

  it("reads the process's v2 path and its v1 path per controller", () => {
    const own = parseProcCgroup('12:memory:/docker/abc\n4:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/user.slice/session-2.scope\n');
    assert.equal(own.v2, '/user.slice/session-2.scope');
    assert.equal(own.v1.get('memory'), '/docker/abc');
    assert.equal(own.v1.get('cpuacct'), '/');
    assert.equal(own.v1.get('name=systemd'), '/init.scope');
    assert.equal(parseProcCgroup('4:memory:/x\n').v2, undefined);
  });

  it("finds a cgroup's folder under a mount that shows another root", () => {
    assert.equal(cgroupDir({ root: '/', mountPoint: '/sys/fs/cgroup/memory' }, '/process_api/42'), '/sys/fs/cgroup/memory/process_api/42');
    assert.equal(cgroupDir({ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/docker/abc'), '/sys/fs/cgroup/memory');
    assert.equal(cgroupDir({ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/docker/abc/job'), '/sys/fs/cgroup/memory/job');
    assert.equal(cgroupDir({ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/elsewhere'), undefined);
  });
});
