import { appendFileSync } from 'node:fs';

// How big a run is. The short form (inside `npm test`) keeps every file to seconds; the long form
// (`npm run test:reliability`, RELIABILITY_LONG=1) runs 100,000 cases per property and the full
// exhaustion counts. RELIABILITY_CASES overrides the property case count either way.
export const LONG = process.env.RELIABILITY_LONG === '1';

export const CASES = Number(process.env.RELIABILITY_CASES ?? (LONG ? 100_000 : 1_000));

/** `short` in `npm test`, `long` in `npm run test:reliability`. */
export function scale(short: number, long: number): number {
  return LONG ? long : short;
}

/** Per-test timeout of a property: seconds in the short form, up to half an hour for 100,000 cases. */
export const PROPERTY_TIMEOUT_MS = LONG ? 1_800_000 : 20_000;

/** One wall-clock bound for any single decoder call: far above a normal decode (microseconds),
 * far below what a super-linear or runaway loop on a few kB of input takes. */
export const CASE_TIME_LIMIT_MS = 250;

/** The RSS every emulator process must stay under during and after a batch (MB). The emulator
 * idles around 100 MB; the findings in issue 10 reached 0.6–5 GB. */
export const RSS_BOUND_MB = Number(process.env.RELIABILITY_RSS_MB ?? 400);

export interface TargetResult {
  target: string;
  cases: number;
  crashes: number;
  hangs: number;
  letIn: number;
  lost: number;
  peakRssMb?: number;
  note?: string;
}

/** Appends one row for RESULTS.md when the runner asked for it (RELIABILITY_RESULTS=<file>). */
export function recordResult(result: TargetResult): void {
  const file = process.env.RELIABILITY_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
}
