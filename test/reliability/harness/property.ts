import fc from 'fast-check';
import { CASES, recordResult } from './budget.js';

// Runs one property for a target, records its row for RESULTS.md (a failure counts as a crash,
// or a hang when the call ran over its time limit), then fails the test with the shrunk input.

export function checkProperty<T>(target: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns = CASES): void {
  const details = fc.check(fc.property(arbitrary, predicate), { numRuns });
  report(target, details);
}

export async function checkAsyncProperty<T>(target: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, numRuns = CASES): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { numRuns });
  report(target, details);
}

function report<T>(target: string, details: fc.RunDetails<[T]>): void {
  const message = details.failed ? String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance) : '';
  const hang = /took \d+ ms/.test(message);
  const letIn = message.includes('let in:');
  recordResult({
    target: `property: ${target}`,
    cases: details.numRuns,
    crashes: details.failed && !hang && !letIn ? 1 : 0,
    hangs: hang ? 1 : 0,
    letIn: letIn ? 1 : 0,
    lost: 0,
    ...(details.failed ? { note: `counterexample ${JSON.stringify(details.counterexample)?.slice(0, 200)}: ${message.split('\n')[0]}` } : {}),
  });
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? message);
}
