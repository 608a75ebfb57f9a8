import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySlurmError, parseSbatchOutput, parseScontrolJob, parseSqueueState } from './slurm-output.js';

// Captured from Slurm 22.05.8 (Debian 12 slurm-wlm) on a single-node cluster started by scripts/slurm/start-cluster.sh.
const timedOut = `JobId=6 JobName=trellis-w-j-1
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901754 Nice=0 Account=(null) QOS=(null)
   JobState=TIMEOUT Reason=TimeLimit Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:9
   RunTime=00:01:06 TimeLimit=00:01:00 TimeMin=N/A
   SubmitTime=2026-12-01T20:11:15 EligibleTime=2026-12-01T20:11:15
   AccrueTime=2026-12-01T20:11:15
   StartTime=2026-12-01T20:11:16 EndTime=2026-12-01T20:12:22 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-01T20:11:16 Scheduler=Main
   Partition=trellis AllocNode:Sid=localhost:6153
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=1:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=1G MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/sx/d3/s.sh
   WorkDir=/tmp/sx/d3
   StdErr=/tmp/sx/d3/std_log.txt
   StdIn=/dev/null
   StdOut=/tmp/sx/d3/std_log.txt
   Power=
`;

const completedInDirWithSpace = `JobId=1 JobName=t1
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901759 Nice=0 Account=(null) QOS=(null)
   JobState=COMPLETED Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
   RunTime=00:00:01 TimeLimit=00:01:00 TimeMin=N/A
   SubmitTime=2026-12-01T20:08:27 EligibleTime=2026-12-01T20:08:27
   AccrueTime=2026-12-01T20:08:27
   StartTime=2026-12-01T20:08:28 EndTime=2026-12-01T20:08:29 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-01T20:08:28 Scheduler=Main
   Partition=trellis AllocNode:Sid=localhost:6153
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/sx/t1.sh
   WorkDir=/tmp/sx/dir with space
   StdErr=/tmp/sx/dir with space/out%t1.txt
   StdIn=/dev/null
   StdOut=/tmp/sx/dir with space/out%t1.txt
   Power=
`;

const running = `JobId=6 JobName=trellis-w-j-1
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901754 Nice=0 Account=(null) QOS=(null)
   JobState=RUNNING Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
   RunTime=00:00:10 TimeLimit=00:01:00 TimeMin=N/A
`;

const pendingTooBig = `JobId=7 JobName=wrap
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901753 Nice=0 Account=(null) QOS=(null)
   JobState=PENDING Reason=PartitionConfig Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
`;

const failed = `JobId=3 JobName=trellis-w-j-1
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901756 Nice=0 Account=(null) QOS=(null)
   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=5:0
`;

describe('parseScontrolJob', () => {
  it('reads the state, the reason and the signal that ended a job at its time limit', () => {
    assert.deepEqual(parseScontrolJob(timedOut), { jobId: '6', state: 'TIMEOUT', reason: 'TimeLimit', exitStatus: 0, exitSignal: 9 });
  });

  it('reads a completed job whose paths hold spaces, and drops the reason "None"', () => {
    assert.deepEqual(parseScontrolJob(completedInDirWithSpace), {
      jobId: '1',
      state: 'COMPLETED',
      reason: undefined,
      exitStatus: 0,
      exitSignal: 0,
    });
  });

  it('reads running, pending and failed jobs', () => {
    assert.deepEqual(parseScontrolJob(running), { jobId: '6', state: 'RUNNING', reason: undefined, exitStatus: 0, exitSignal: 0 });
    assert.deepEqual(parseScontrolJob(pendingTooBig), {
      jobId: '7',
      state: 'PENDING',
      reason: 'PartitionConfig',
      exitStatus: 0,
      exitSignal: 0,
    });
    assert.deepEqual(parseScontrolJob(failed), { jobId: '3', state: 'FAILED', reason: 'NonZeroExitCode', exitStatus: 5, exitSignal: 0 });
  });

  it('does not mistake DerivedExitCode (printed when accounting is on) for ExitCode', () => {
    const withDerived = failed.replace('ExitCode=5:0', 'DerivedExitCode=0:0 ExitCode=5:0');
    assert.equal(parseScontrolJob(withDerived)?.exitStatus, 5);
  });

  it('returns undefined for output without a job', () => {
    assert.equal(parseScontrolJob(''), undefined);
    assert.equal(parseScontrolJob('slurm_load_jobs error: Invalid job id specified\n'), undefined);
  });
});

describe('parseSbatchOutput', () => {
  it('reads the job id with or without a cluster name', () => {
    assert.equal(parseSbatchOutput('42\n'), '42');
    assert.equal(parseSbatchOutput('42;trellis\n'), '42');
    assert.equal(parseSbatchOutput('sbatch: error: nope\n'), undefined);
  });
});

describe('parseSqueueState', () => {
  it('reads the first state line and nothing from empty output', () => {
    assert.equal(parseSqueueState('RUNNING\n'), 'RUNNING');
    assert.equal(parseSqueueState('CANCELLED\n'), 'CANCELLED');
    assert.equal(parseSqueueState(''), undefined);
    assert.equal(parseSqueueState('\n'), undefined);
  });
});

describe('classifySlurmError', () => {
  it('tells a controller that is down from a job Slurm no longer knows', () => {
    assert.equal(
      classifySlurmError('slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n'),
      'controller-unreachable',
    );
    assert.equal(
      classifySlurmError('sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n'),
      'controller-unreachable',
    );
    assert.equal(
      classifySlurmError('scancel: error: Kill job error on job id 6: Unable to contact slurm controller (connect failure)\n'),
      'controller-unreachable',
    );
    assert.equal(classifySlurmError('slurm_load_jobs error: Invalid job id specified\n'), 'unknown-job');
    assert.equal(classifySlurmError('scancel: error: Kill job error on job id 9: Invalid job id specified\n'), 'unknown-job');
    assert.equal(
      classifySlurmError('scancel: error: Kill job error on job id 10: Job can not be altered now, try again later\n'),
      'job-not-started',
    );
    assert.equal(
      classifySlurmError('sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n'),
      'other',
    );
  });
});
