import { createRequire } from 'node:module';
import { format } from 'node:util';
import { redactSecrets } from '../../core/errors.js';

// rhea writes some diagnostics straight to `console` (node_modules/rhea/lib/connection.js "error on
// read … (buffer: <hex>)", message.js "expected described message section got <JSON>", session.js,
// link.js, sasl.js): a malformed put-token message printed the SAS token, signature included, and
// any client could make the process print without bound. rhea has no hook for these, so while an
// Event Hubs emulator runs, `console` calls whose caller is rhea go to the emulator's log instead:
// redacted, and at most LINES_PER_SECOND a second, then one "suppressed" summary. Other callers are
// untouched. rhea's `debug` loggers (printed only when the developer sets DEBUG=rhea*) stay on
// stderr but pass the same redaction, with buffers and hex dumps elided (a token inside a
// transfer's payload would otherwise show in hex, where no redaction can see it).

export const LINES_PER_SECOND = 20;

type Sink = (line: string) => void;
const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type Method = (typeof METHODS)[number];

const sinks = new Set<Sink>();
let originals: Record<Method, (...args: unknown[]) => void> | undefined;
const wrappers = new Map<Method, (...args: unknown[]) => void>();
let windowStart = 0;
let linesInWindow = 0;
let suppressed = 0;
let summaryTimer: ReturnType<typeof setTimeout> | undefined;

const RHEA_FRAME = /[\\/]node_modules[\\/]rhea[\\/]lib[\\/]/;

function calledFromRhea(): boolean {
  // Frames: this function, the console wrapper, then the caller.
  const stack = new Error().stack ?? '';
  const caller = stack.split('\n').slice(3, 4).join('');
  return RHEA_FRAME.test(caller);
}

function emit(line: string): void {
  for (const sink of sinks) sink(line);
}

function flushSummary(): void {
  summaryTimer = undefined;
  if (suppressed === 0) return;
  emit(`eventhubs: rhea: suppressed ${suppressed} more line(s) (over ${LINES_PER_SECOND}/s)`);
  suppressed = 0;
}

function route(args: unknown[]): void {
  const now = Date.now();
  if (now - windowStart >= 1000) {
    windowStart = now;
    linesInWindow = 0;
    if (summaryTimer) clearTimeout(summaryTimer);
    flushSummary();
  }
  if (linesInWindow >= LINES_PER_SECOND) {
    suppressed++;
    summaryTimer ??= setTimeout(flushSummary, 1000 - (now - windowStart)).unref();
    return;
  }
  linesInWindow++;
  // Cut before redacting: rhea may dump a whole frame in hex.
  const text = format(...args).slice(0, 2000);
  emit(`eventhubs: rhea: ${redactSecrets(text)}`);
}

interface DebugLogger {
  log?: (...args: unknown[]) => void;
}

const requireFromHere = createRequire(import.meta.url);
let debugLoggers: Array<[DebugLogger, DebugLogger['log']]> = [];

function withoutBytes(text: string): string {
  return text.replace(/<Buffer[ 0-9a-f]*(\.\.\. \d+ more bytes)?>/g, '<Buffer …>').replace(/\b(?:0x)?[0-9a-f]{32,}\b/gi, '<hex …>');
}

function installDebugRedaction(): void {
  let loggers: Record<string, DebugLogger>;
  try {
    loggers = requireFromHere('rhea/lib/log.js') as Record<string, DebugLogger>;
  } catch {
    return;
  }
  debugLoggers = Object.values(loggers).map((logger) => {
    const previous = logger.log;
    logger.log = (...args: unknown[]) => {
      process.stderr.write(`${redactSecrets(withoutBytes(format(...args)))}\n`);
    };
    return [logger, previous];
  });
}

function uninstallDebugRedaction(): void {
  for (const [logger, previous] of debugLoggers) {
    if (previous === undefined) delete logger.log;
    else logger.log = previous;
  }
  debugLoggers = [];
}

function install(): void {
  if (originals) return;
  installDebugRedaction();
  const saved = {} as Record<Method, (...args: unknown[]) => void>;
  for (const method of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    saved[method] = original;
    const wrapper = (...args: unknown[]): void => {
      if (calledFromRhea()) route(args);
      else original.apply(console, args);
    };
    wrappers.set(method, wrapper);
    console[method] = wrapper;
  }
  originals = saved;
}

function uninstall(): void {
  if (!originals) return;
  uninstallDebugRedaction();
  // Someone who wrapped console after us keeps their wrapper (ours then just passes through).
  for (const method of METHODS) if (console[method] === wrappers.get(method)) console[method] = originals[method];
  originals = undefined;
  if (summaryTimer) clearTimeout(summaryTimer);
  flushSummary();
}

/** Routes rhea's console output to `log` until the returned function is called (idempotent). */
export function routeRheaConsole(log: Sink): () => void {
  const sink: Sink = (line) => log(line);
  sinks.add(sink);
  install();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    sinks.delete(sink);
    if (sinks.size === 0) uninstall();
  };
}
