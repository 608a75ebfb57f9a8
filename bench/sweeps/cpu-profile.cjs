// Preloaded into the server by bench/sweeps.ts (NODE_OPTIONS=--require, since Node refuses --cpu-prof there):
// samples the CPU from start to exit and writes a V8 .cpuprofile into TRELLIS_BENCH_PROFILE_DIR.
const { writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { join } = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
// A session in the same thread answers synchronously, so the profile is written before the process ends.
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(process.env.TRELLIS_BENCH_PROFILE_DIR, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
