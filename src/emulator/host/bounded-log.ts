// Every line an emulated service logs passes here (service-address.ts serviceLog), after
// redaction. Log lines quote what clients sent (a CBS audience, a frame's first bytes), so
// without a bound one unauthenticated client sending 1,000 put-tokens with a 500 KB audience
// made the process print 500 MB to stderr in 11 s (and a pipe that is read slowly blocks the
// whole process on Linux, where writes to a pipe are synchronous). So: each line is cut to
// `maxChars`, and at most `perSecond` lines pass each second; the rest are counted and reported
// in one line when the second is over.

export const LOG_LINES_PER_SECOND = 100;
export const MAX_LOG_LINE_CHARS = 2000;

export interface BoundedLogOptions {
  /** Applied to each line that passes, before it is cut (redaction: no cut leaves half a secret). */
  transform?: (line: string) => string;
  perSecond?: number;
  maxChars?: number;
  now?: () => number;
}

export function boundedLog(log: (line: string) => void, options: BoundedLogOptions = {}): (line: string) => void {
  const perSecond = options.perSecond ?? LOG_LINES_PER_SECOND;
  const maxChars = options.maxChars ?? MAX_LOG_LINE_CHARS;
  const now = options.now ?? Date.now;
  let windowStart = Number.NEGATIVE_INFINITY;
  let passed = 0;
  let suppressed = 0;
  let summaryTimer: ReturnType<typeof setTimeout> | undefined;
  const summarize = (): void => {
    clearTimeout(summaryTimer);
    summaryTimer = undefined;
    if (suppressed > 0) log(`suppressed ${suppressed} log line(s) (over ${perSecond} a second)`);
    suppressed = 0;
  };
  return (line) => {
    const time = now();
    if (time - windowStart >= 1000) {
      summarize();
      windowStart = time;
      passed = 0;
    }
    if (passed >= perSecond) {
      suppressed++;
      // The summary also comes when no further line does.
      summaryTimer ??= setTimeout(summarize, Math.max(0, windowStart + 1000 - time));
      summaryTimer.unref?.();
      return;
    }
    passed++;
    const text = options.transform ? options.transform(line) : line;
    log(text.length > maxChars ? `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)` : text);
  };
}
