// The Kafka endpoint logs one line per connection it closes; a flood of bad connections must not
// become a flood of log lines. At most `perSecond` lines pass each second; the rest are counted
// and reported in one line when the next second's first line passes.

export function rateLimitedLog(log: (line: string) => void, perSecond = 20, now: () => number = Date.now): (line: string) => void {
  let windowStart = 0;
  let passed = 0;
  let suppressed = 0;
  return (line) => {
    const time = now();
    if (time - windowStart >= 1000) {
      if (suppressed > 0) log(`eventhubs kafka: suppressed ${suppressed} log line(s) (over ${perSecond}/s)`);
      windowStart = time;
      passed = 0;
      suppressed = 0;
    }
    if (passed < perSecond) {
      passed++;
      log(line);
    } else {
      suppressed++;
    }
  };
}
