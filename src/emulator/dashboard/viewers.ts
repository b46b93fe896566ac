import type { ServerResponse } from 'node:http';

// The live stream (Server-Sent Events): one picture of every service, taken every `intervalMs`
// while anyone watches and sent only when it changed. Each picture is complete, so a viewer that
// cannot keep up needs only the newest one: its queue is the socket's buffer up to
// `maxBufferBytes` plus one pending picture, replaced by each newer one until it drains.

interface Viewer {
  res: ServerResponse;
  pending: string | undefined;
}

export interface ViewerHubOptions {
  maxViewers: number;
  intervalMs: number;
  maxBufferBytes: number;
  heartbeatMs: number;
  /** The current picture as JSON text (one line). */
  picture(): string;
  log(line: string): void;
}

export class ViewerHub {
  readonly #viewers = new Set<Viewer>();
  #last: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ViewerHubOptions) {}

  get size(): number {
    return this.#viewers.size;
  }

  /** Starts streaming to `res`; false (and nothing written) when the viewer cap is reached. */
  add(res: ServerResponse): boolean {
    if (this.#viewers.size >= this.options.maxViewers) return false;
    const viewer: Viewer = { res, pending: undefined };
    this.#viewers.add(viewer);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    res.on('drain', () => this.#flush(viewer));
    res.once('close', () => {
      this.#viewers.delete(viewer);
      if (this.#viewers.size === 0) this.#stop();
    });
    // A new viewer gets the picture at once, not at the next change.
    this.#last ??= this.options.picture();
    this.#send(viewer, this.#last);
    this.#start();
    return true;
  }

  /** Takes a picture now and sends it if it changed (also what the timer does). */
  tick(): void {
    if (this.#viewers.size === 0) return;
    let picture: string;
    try {
      picture = this.options.picture();
    } catch (error) {
      this.options.log(`dashboard: taking the picture failed: ${(error as Error).message}`);
      return;
    }
    if (picture === this.#last) return;
    this.#last = picture;
    for (const viewer of this.#viewers) this.#send(viewer, picture);
  }

  close(): void {
    this.#stop();
    for (const viewer of this.#viewers) viewer.res.destroy();
    this.#viewers.clear();
  }

  #send(viewer: Viewer, picture: string): void {
    if (viewer.res.writableLength > this.options.maxBufferBytes) {
      viewer.pending = picture;
      return;
    }
    viewer.res.write(`event: snapshot\ndata: ${picture}\n\n`);
  }

  #flush(viewer: Viewer): void {
    const pending = viewer.pending;
    if (pending === undefined) return;
    viewer.pending = undefined;
    this.#send(viewer, pending);
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.#timer.unref();
    // A comment line now and then, so proxies and dead peers are noticed.
    this.#heartbeat = setInterval(() => {
      for (const viewer of this.#viewers) if (viewer.res.writableLength <= this.options.maxBufferBytes) viewer.res.write(': ping\n\n');
    }, this.options.heartbeatMs);
    this.#heartbeat.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
    this.#last = undefined;
  }
}
