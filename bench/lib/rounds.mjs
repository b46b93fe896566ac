// Alternating rounds: ours, peer, limit, ours, peer, limit, … so that load from other processes on
// the shared machine falls on every contestant alike; a warm-up round of each is thrown away.
// Each case ends as medians, min–max spread, and a ratio taken round by round.
import { median, percentile, summarize } from './stats.mjs';

/**
 * contestants: { ours?, peer?, limit? } each `{ name, run: async () => number | number[] }`
 * (a number per round, or latency samples to pool). Stops starting rounds when the next one would
 * pass `deadline` (a performance.now() value), keeping at least `minRounds`.
 */
/** `--profile` sets oursOnly: peers and limits sit out so a server's profile shows our traffic only. */
export const roundOptions = { oursOnly: false };

export async function alternate(contestants, { rounds = 5, minRounds = 2, warmup = true, deadline = Infinity } = {}) {
  const keys = Object.keys(contestants).filter((key) => !roundOptions.oursOnly || (key !== 'peer' && key !== 'limit'));
  const samples = Object.fromEntries(keys.map((key) => [key, []]));
  const debug = process.env.BENCH_DEBUG ? (key, what) => console.log(`  [${key}] ${what}`) : () => undefined;
  const run = async (key) => {
    debug(key, 'round starts');
    const value = await contestants[key].run();
    debug(key, `→ ${Array.isArray(value) ? `${value.length} samples` : value.toFixed(2)}`);
    return value;
  };
  if (warmup) for (const key of keys) await run(key);
  let longest = 0;
  for (let round = 0; round < rounds; round++) {
    if (round >= minRounds && performance.now() + longest > deadline) break;
    const start = performance.now();
    for (const key of keys) samples[key].push(await run(key));
    longest = Math.max(longest, performance.now() - start);
  }
  return Object.fromEntries(keys.map((key) => [key, { name: contestants[key].name, samples: samples[key] }]));
}

const ratioOf = (formula, ours, other) => (formula === 'x/ours' ? other / ours : ours / other);

/**
 * Turns raw samples into what the report prints. spec: { id, label, unit, better, stat?
 * ('median' for per-round numbers; 'p50'/'p99' to pool latency samples), ratio: { against,
 * formula: 'ours/x' | 'x/ours' }, goal?: { op: '>=' | '<=', value, text } }.
 */
export function finishCase(spec, measured) {
  const stat = spec.stat ?? 'median';
  const { ratio: _ratio, goal: _goal, ...rest } = spec;
  const out = { ...rest, contestants: {} };
  const perRound = {};
  for (const [key, entry] of Object.entries(measured)) {
    if (!entry) continue; // a contestant that sat out (--profile runs ours alone)
    const { name, samples } = entry;
    if (stat === 'median') {
      perRound[key] = samples;
      out.contestants[key] = { name, ...summarize(samples), samples };
    } else {
      const p = Number(stat.slice(1));
      perRound[key] = samples.map((round) => percentile(round, p));
      const pooled = samples.flat();
      out.contestants[key] = { name, value: percentile(pooled, p), ...spreadOf(perRound[key]), count: pooled.length, rounds: samples.length };
      out.contestants[key].median = out.contestants[key].value;
    }
  }
  const { against, formula = 'ours/x' } = spec.ratio ?? {};
  const ours = out.contestants.ours;
  const other = against && out.contestants[against];
  if (ours && other) {
    // Per-round numbers: the median of the ratios taken round by round (the two sides of a round
    // ran seconds apart, so load hits them alike). Pooled percentiles: the ratio of the pooled
    // values (a single round's p99 rests on too few samples).
    const rounds = perRound.ours.map((value, i) => ratioOf(formula, value, perRound[against][i])).filter(Number.isFinite);
    const value = stat === 'median' && rounds.length ? median(rounds) : ratioOf(formula, ours.median, other.median);
    out.ratio = { against, formula, value, ...spreadOf(rounds) };
    if (spec.goal) out.goal = { ...spec.goal, met: spec.goal.op === '>=' ? value >= spec.goal.value : value <= spec.goal.value };
  }
  return out;
}

function spreadOf(values) {
  return values.length ? { min: Math.min(...values), max: Math.max(...values) } : {};
}
