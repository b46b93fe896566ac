// Preloaded (`node --import`) into a server child by bench/eh-ingest-ab.mjs: the host's `cpu` call
// (process.cpuUsage) then also reports the main thread's CPU (from /proc, Linux) and how many
// garbage collections of each kind ran, so CPU and collections per operation come from one call.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const counts = { major: 0, minor: 0, incremental: 0, weak: 0, gcMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind ?? entry.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++;
    else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) counts.incremental++;
    else counts.weak++;
    counts.gcMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

const TICK_US = 10_000; // USER_HZ = 100 on Linux
function mainThread() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { mainUser: Number(fields[11]) * TICK_US, mainSystem: Number(fields[12]) * TICK_US };
  } catch {
    return {};
  }
}

const cpuUsage = process.cpuUsage.bind(process);
process.cpuUsage = (previous) => (previous ? cpuUsage(previous) : { ...cpuUsage(), ...mainThread(), ...counts });
