// A scripted `fetch` passed through the `fetch` option (never a patched global): records each
// request and answers from a queue, or from a function of the request.
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = Response | Error | ((request: RecordedRequest) => Response | Promise<Response>);

export function fakeFetch(answers: Answer[] = [], fallback: Answer = () => new Response(null, { status: 202 })) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const request = { url: String(input), method: init.method ?? 'GET', headers, body: init.body };
    requests.push(request);
    if (init.signal?.aborted) throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
    const answer = answers.length > 0 ? answers.shift()! : fallback;
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(request) : answer;
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export const KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
export const CONNECTION_STRING = `Endpoint=https://contoso.webpubsub.azure.com;AccessKey=${KEY};Version=1.0;`;
export const NO_WAIT = { maxRetries: 3, retryDelayInMs: 0, maxRetryDelayInMs: 0 };
