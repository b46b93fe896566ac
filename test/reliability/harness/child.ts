import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bundle } from './bundle.js';

// One emulator child process: start, liveness (alive, event loop answering), RSS from /proc,
// every line it printed (stdout, stderr and its `log` option) kept for the secrets check.

export interface ServiceInfo {
  connectionString: string;
  [extra: string]: unknown;
}

let bundled: Promise<string> | undefined;

export class EmulatorChild {
  readonly lines: string[] = [];
  info!: Record<'relay' | 'webpubsub' | 'eventhubs', ServiceInfo & Record<string, any>>;
  peakRssMb = 0;
  private process!: ChildProcess;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private pongs = 0;
  private statsWaiters: Array<(stats: Record<string, any>) => void> = [];

  static async start(options: Record<string, unknown> = { relay: {}, webpubsub: {}, eventhubs: {} }): Promise<EmulatorChild> {
    bundled ??= bundle('./child-main.ts', 'emulator-child');
    const entry = await bundled;
    const child = new EmulatorChild();
    await child.spawn(entry, options);
    return child;
  }

  private spawn(entry: string, options: Record<string, unknown>): Promise<void> {
    this.process = spawn(process.execPath, [entry, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.on('exit', (code, signal) => (this.exit = { code, signal }));
    const collect = (stream: NodeJS.ReadableStream, prefix: string, onLine?: (line: string) => void) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const parts = (rest + text).split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          this.lines.push(prefix + line);
          onLine?.(line);
        }
      });
      stream.on('end', () => rest && this.lines.push(prefix + rest));
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`emulator child did not start in 20 s:\n${this.lines.join('\n')}`)), 20_000);
      collect(this.process.stdout!, '', (line) => {
        if (line === 'pong') this.pongs++;
        if (line.startsWith('STATS ')) this.statsWaiters.shift()?.(JSON.parse(line.slice(6)) as Record<string, any>);
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          this.info = JSON.parse(line.slice(6)).info;
          resolve();
        }
      });
      collect(this.process.stderr!, '[stderr] ');
      this.process.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`emulator child exited before READY:\n${this.lines.join('\n')}`));
      });
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Exit code/signal if the process is gone. */
  get exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit;
  }

  /** RSS now in MB (and the peak seen so far is kept). */
  rssMb(): number {
    if (this.exit) return 0;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      this.peakRssMb = Math.max(this.peakRssMb, hwm, rss);
      return rss;
    } catch {
      return 0;
    }
  }

  /** Alive and its event loop answers within `timeoutMs` (a frozen loop is a hang). */
  async responsive(timeoutMs = 5000): Promise<boolean> {
    if (this.exit) return false;
    const before = this.pongs;
    this.process.stdin!.write('ping\n');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.pongs > before) return true;
      if (this.exit) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return false;
  }

  /** Each service's stats() (null where a service has none), from inside the process. */
  stats(timeoutMs = 5000): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no stats answer')), timeoutMs);
      this.statsWaiters.push((stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.process.stdin!.write('stats\n');
    });
  }

  describeExit(): string {
    return this.exit ? `exited with ${this.exit.signal ?? `code ${this.exit.code}`}; last lines:\n${this.lines.slice(-20).join('\n')}` : 'running';
  }

  async stop(): Promise<void> {
    if (this.exit) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
