// A tiny typed emitter: EventTarget needs Event subclasses per payload, node `events` is banned
// in core (docs/architecture.md "Rules of the core"). A throwing user listener must not break the state
// machine that emitted, so its error is re-raised on a fresh task (of the injected timers) instead.
import type { Timers } from '../runtime-types.js';

export type Listener<T> = (payload: T) => void;

export class TypedEmitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #timers: Pick<Timers, 'setTimeout'>;

  constructor(timers: Pick<Timers, 'setTimeout'> = globalThis) {
    this.#timers = timers;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(type)?.delete(listener as Listener<never>);
  }

  protected listenerCount(type: keyof Events): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  protected emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.#timers.setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
