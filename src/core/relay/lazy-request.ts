import type { HeaderMap } from './protocol.js';
import { relayAppUrl } from './app-url.js';
import { isHopByHopHeader } from './wire-rules.js';

// The Request a relay request handler gets. Building an undici Request with a body costs more than
// the rest of a small relayed request together (a ReadableStream, an AbortSignal and a Headers per
// request: bench/profiles/relay-client.md), and most handlers read only the method, URL, headers
// and the body once. So where the runtime lets a Proxy stand for a Request (Node's undici: its
// checks are `instanceof` and symbol-keyed fields, both of which a Proxy forwards), the handler gets
// a Proxy that answers those from the relay frame and builds the real Request the first time
// anything else is touched: `signal`, `clone()`, `body`, `new Request(request)`, `fetch(request)`.
// Elsewhere (browsers, whose Request is a platform object) it gets a real Request up front.

/** A body frame: the socket's own ArrayBuffer when it delivered one, else bytes. */
export type RequestBody = ArrayBuffer | Uint8Array;

/** What a relayed request is made of, as the control channel delivers it. */
export interface RelayRequestParts {
  /** The request target or rendezvous address the app URL is built from. */
  target: string;
  namespace: string;
  secure: boolean;
  method: string;
  requestHeaders: HeaderMap;
  /** The body frame; undefined or empty for none. */
  body: RequestBody | undefined;
}

export function relayRequestHeaders(raw: HeaderMap): Headers {
  const headers = new Headers();
  for (const name in raw) {
    if (isHopByHopHeader(name)) continue;
    try {
      headers.append(name, raw[name]!);
    } catch {
      // a header name the platform refuses is dropped rather than failing the whole request
    }
  }
  return headers;
}

const hasBody = (parts: RelayRequestParts) => parts.body !== undefined && parts.body.byteLength > 0 && parts.method !== 'GET' && parts.method !== 'HEAD';

function realRequest(parts: RelayRequestParts, url: string, headers: Headers): Request {
  const init: RequestInit = { method: parts.method, headers };
  if (hasBody(parts)) init.body = parts.body as BodyInit;
  return new Request(url, init);
}

/** The Proxy's target: the frame's parts, and the real Request once one exists. */
class LazyState {
  url: string | undefined;
  headers: Headers | undefined;
  used = false;
  real: Request | undefined;

  constructor(readonly parts: RelayRequestParts) {}

  getUrl(): string {
    return (this.url ??= relayAppUrl(this.parts.target, this.parts.namespace, this.parts.secure));
  }

  getHeaders(): Headers {
    return (this.headers ??= relayRequestHeaders(this.parts.requestHeaders));
  }

  materialize(): Request {
    if (this.real) return this.real;
    const real = realRequest(this.parts, this.getUrl(), this.getHeaders());
    // A body the handler already read stays read: the real Request must say so too.
    if (this.used) real.arrayBuffer().catch(() => undefined);
    return (this.real = real);
  }

  /** The body, once: a second read fails as the real Request's would. */
  take(): Promise<RequestBody> {
    if (!hasBody(this.parts)) return Promise.resolve(new ArrayBuffer(0));
    if (this.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.used = true;
    return Promise.resolve(this.parts.body!);
  }
}

const STATE = Symbol('relay request state');
const decoder = /* @__PURE__ */ new TextDecoder();

// The frame's own ArrayBuffer is handed over as it is (it belongs to this request alone); bytes are
// copied, since core never reaches into a view's backing buffer (test/node/core-imports.test.ts).
const toArrayBuffer = (body: RequestBody): ArrayBuffer => {
  if (body instanceof ArrayBuffer) return body;
  const copy = new ArrayBuffer(body.length);
  new Uint8Array(copy).set(body);
  return copy;
};

// Called as `request.arrayBuffer()`, so `this` is the Proxy and STATE reaches the target.
const READERS: Record<string, (this: { [STATE]: LazyState }) => Promise<unknown>> = {
  arrayBuffer() {
    return this[STATE].take().then(toArrayBuffer);
  },
  text() {
    return this[STATE].take().then((bytes) => decoder.decode(bytes));
  },
  json() {
    return this[STATE].take().then((bytes) => JSON.parse(decoder.decode(bytes)) as unknown);
  },
};

const forwarded = (real: Request, key: PropertyKey): unknown => {
  const value = Reflect.get(real, key, real) as unknown;
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
};

const HANDLER: ProxyHandler<LazyState> = {
  get(state, key) {
    if (key === STATE) return state;
    if (state.real) return key === 'headers' && state.headers ? state.headers : forwarded(state.real, key);
    switch (key) {
      case 'url':
        return state.getUrl();
      case 'method':
        return state.parts.method;
      case 'headers':
        return state.getHeaders();
      case 'bodyUsed':
        return state.used;
      case 'arrayBuffer':
      case 'text':
      case 'json':
        return READERS[key];
    }
    return forwarded(state.materialize(), key);
  },
  getPrototypeOf: () => Request.prototype,
  // `'body' in request` is answered from the prototype: Request's own keys are all symbols.
  has: (state, key) => key === STATE || (typeof key === 'string' ? key in Request.prototype : Reflect.has(state.materialize(), key)),
  set: (state, key, value) => Reflect.set(state.materialize(), key, value),
  ownKeys: (state) => Reflect.ownKeys(state.materialize()),
  getOwnPropertyDescriptor: (state, key) => Reflect.getOwnPropertyDescriptor(state.materialize(), key),
  defineProperty: (state, key, descriptor) => Reflect.defineProperty(state.materialize(), key, descriptor),
  deleteProperty: (state, key) => Reflect.deleteProperty(state.materialize(), key),
};

const lazyRequest = (parts: RelayRequestParts): Request => new Proxy(new LazyState(parts), HANDLER) as unknown as Request;

let proxiesPass: boolean | undefined;

/** Whether this runtime's Request accepts a Proxy as a Request (checked once, by copying one). */
export function lazyRequestsWork(): boolean {
  if (proxiesPass === undefined) {
    try {
      const probe = lazyRequest({ target: '/probe?x=1', namespace: 'relay.invalid', secure: true, method: 'PUT', requestHeaders: { 'x-probe': '1' }, body: new Uint8Array([1]) });
      const copy = new Request(probe);
      proxiesPass = copy.method === 'PUT' && copy.url === 'https://relay.invalid/probe?x=1' && copy.headers.get('x-probe') === '1' && copy.body !== null;
    } catch {
      proxiesPass = false;
    }
  }
  return proxiesPass;
}

// RFC 9110 token; CONNECT, TRACE and TRACK are forbidden to a Request (the Fetch standard).
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_METHODS = /^(CONNECT|TRACE|TRACK)$/i;

/**
 * The handler's Request: lazy where the runtime allows it (see above), else built now. A method the
 * Request constructor would refuse is refused here either way (TypeError), before the handler runs.
 */
export function createRelayRequest(parts: RelayRequestParts): Request {
  if (lazyRequestsWork()) {
    if (!METHOD.test(parts.method) || FORBIDDEN_METHODS.test(parts.method)) throw new TypeError(`expected an HTTP method a Request allows, got "${parts.method.slice(0, 40)}"`);
    return lazyRequest(parts);
  }
  return realRequest(parts, relayAppUrl(parts.target, parts.namespace, parts.secure), relayRequestHeaders(parts.requestHeaders));
}
