// The machine line every result carries: numbers from a shared 2-core box move with its load.
import { cpus, loadavg, totalmem } from 'node:os';

export function machine() {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function load() {
  return loadavg().map((value) => Number(value.toFixed(2)));
}
