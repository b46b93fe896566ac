import { afterAll, beforeAll, expect } from 'vitest';
import { RSS_BOUND_MB, recordResult } from './budget.js';
import { EmulatorChild } from './child.js';
import { SecretBook } from './secrets.js';

// One emulator child per test file, restarted if a batch killed it (so one crash does not hide
// the next), with the secrets every test used and a final search of everything it printed.

export interface HostileBatch {
  target: string;
  /** How many hostile connections / requests / cases the attack makes. */
  cases: number;
  attack(child: EmulatorChild): Promise<void | { letIn?: number; lost?: number; note?: string }>;
  /** A legitimate client of the service under attack (and, cheaply, the others). */
  legit(child: EmulatorChild): Promise<void>;
  rssBoundMb?: number;
}

export class EmulatorFixture {
  readonly secrets = new SecretBook();
  private readonly children: EmulatorChild[] = [];

  constructor(private readonly options: Record<string, unknown> = { relay: {}, webpubsub: {}, eventhubs: {} }) {
    beforeAll(async () => {
      await this.restart();
    }, 30_000);
    afterAll(async () => {
      await Promise.all(this.children.map((child) => child.stop()));
      // The READY line is the harness's own (the info the CLI's --json prints by design); the rest is the emulator's.
      const lines = this.children.flatMap((child) => child.lines).filter((line) => !line.startsWith('READY '));
      const hits = this.secrets.hits(lines);
      recordResult({ target: `secrets in emulator output (${this.label()})`, cases: lines.length, crashes: 0, hangs: 0, letIn: hits.length, lost: 0, note: `${this.secrets.size} secret forms searched` });
      expect(hits, 'secrets printed by the emulator').toEqual([]);
    }, 30_000);
  }

  get child(): EmulatorChild {
    return this.children.at(-1)!;
  }

  private label(): string {
    const file = (expect.getState().testPath ?? '').split('/').pop()?.replace(/\.test\.ts$/, '');
    return `${file}: ${Object.keys(this.options).join(', ')}`;
  }

  private async restart(): Promise<void> {
    const child = await EmulatorChild.start(this.options);
    for (const service of Object.values(child.info)) this.secrets.add(service.connectionString);
    this.children.push(child);
  }

  /** Runs one hostile batch, then: alive, event loop answers, RSS under bound, a legit client works. */
  async batch(batch: HostileBatch): Promise<void> {
    if (this.child.exited) await this.restart();
    const child = this.child;
    const problems: string[] = [];
    let outcome: Awaited<ReturnType<HostileBatch['attack']>> = undefined;
    try {
      outcome = await batch.attack(child);
    } catch (error) {
      problems.push(`attack: ${(error as Error).message}`);
    }
    const crashed = child.exited !== undefined;
    const hung = !crashed && !(await child.responsive(5000));
    const rss = child.rssMb();
    const bound = batch.rssBoundMb ?? RSS_BOUND_MB;
    if (crashed) problems.push(`crash: ${child.describeExit()}`);
    if (hung) problems.push('hang: the emulator event loop did not answer within 5 s');
    if (rss > bound) problems.push(`RSS ${rss.toFixed(0)} MB above the ${bound} MB bound`);
    if (!crashed && !hung) {
      try {
        await batch.legit(child);
      } catch (error) {
        problems.push(`legitimate client failed afterwards: ${(error as Error).message}`);
      }
    }
    const letIn = outcome?.letIn ?? 0;
    if (letIn > 0) problems.push(`${letIn} unauthorized attempts let in`);
    if ((outcome?.lost ?? 0) > 0) problems.push(`${outcome?.lost} acknowledged items lost`);
    recordResult({
      target: batch.target,
      cases: batch.cases,
      crashes: crashed ? 1 : 0,
      hangs: hung ? 1 : 0,
      letIn,
      lost: outcome?.lost ?? 0,
      peakRssMb: Math.round(Math.max(child.peakRssMb, rss)),
      ...(problems.length ? { note: problems.join('; ').slice(0, 300) } : outcome?.note ? { note: outcome.note } : {}),
    });
    const recent = this.secrets.mask(child.lines.filter((line) => !/accepted an AMQP connection|put-token .* -> 202/.test(line)).slice(-8));
    expect(problems, `${batch.target}; the emulator's last lines:\n${recent.join('\n')}`).toEqual([]);
  }
}
