import type { FrameViolation, GuardAction, GuardResult } from './frame-guard.js';
import type { SaslOutcome } from './sasl.js';

// A pipelining client (Qpid Proton-C and other AMQP 1.0 stacks may) sends SASL header, sasl-init,
// `AMQP 0 1 0 0` and `open` in one write, before reading anything (AMQP 1.0 §5.3.2 allows the
// client to send the AMQP header once it has sent its last SASL frame). rhea decides the SASL
// outcome a promise tick after it reads sasl-init; handed the AMQP bytes in the same call, its SASL
// layer would take the AMQP header for a frame of 1.1 GB and wait for it for good. So everything
// after the frame guard's `sasl-handover` waits here, in order, until rhea has answered.

export interface HandoverSteps {
  outcome(): SaslOutcome;
  act(action: GuardAction): void;
  violate(violation: FrameViolation): void;
  /** True once the connection is closing: nothing more is handed on. */
  stopped(): boolean;
}

const refused: FrameViolation = {
  phase: 'frames',
  condition: 'amqp:unauthorized-access',
  description: 'SASL authentication failed; the AMQP bytes sent after it are dropped',
};
// Every mechanism sasl.ts installs decides synchronously, so rhea's outcome is there one promise
// tick after sasl-init, long before the next setImmediate. Still pending then means the client sent
// its AMQP header without a sasl-init: closed, rather than holding its bytes without end.
const early: FrameViolation = {
  phase: 'frames',
  condition: 'amqp:connection:framing-error',
  description: 'an AMQP protocol header came before the SASL exchange had an outcome (no sasl-init)',
};

export class SaslHandover {
  /** Guard results waiting for the SASL outcome, in arrival order; undefined when nothing waits. */
  private held: GuardResult[] | undefined;

  constructor(private readonly steps: HandoverSteps) {}

  /** Hands on one chunk's guard result, or holds it behind what already waits. */
  take(result: GuardResult): void {
    if (this.held) {
      this.held.push(result);
      this.release(false);
      return;
    }
    this.run(result);
  }

  private run(result: GuardResult): void {
    const { actions, violation } = result;
    for (let index = 0; index < actions.length; index++) {
      if (this.steps.stopped()) return;
      const action = actions[index]!;
      if (action.kind !== 'sasl-handover') {
        this.steps.act(action);
        continue;
      }
      const outcome = this.steps.outcome();
      if (outcome === 'refused') return this.steps.violate(refused);
      if (outcome === 'pending') {
        this.held = [{ actions: actions.slice(index), ...(violation ? { violation } : {}) }];
        setImmediate(() => this.release(true));
        return;
      }
    }
    if (violation && !this.steps.stopped()) this.steps.violate(violation);
  }

  /** Once rhea has answered, replays what waited; `final` when the outcome must be known by now. */
  private release(final: boolean): void {
    const held = this.held;
    if (!held || this.steps.stopped()) return;
    const outcome = this.steps.outcome();
    if (outcome === 'pending') {
      if (final) this.steps.violate(early);
      return;
    }
    this.held = undefined;
    // The handover at the head of the first result asks for the outcome again and goes on (or closes).
    for (const result of held) this.take(result);
  }
}
