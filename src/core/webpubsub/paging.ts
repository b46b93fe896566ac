import type { WebPubSubRestClient } from './rest-types.js';
import type { GroupListConnectionsOptions, PagedMembers, WebPubSubGroupMember, WebPubSubGroupMemberPage } from './service-types.js';

// Group member listing (docs/protocol/webpubsub.md §3 row 14), shaped as @azure/core-paging's PagedAsyncIterableIterator.
// Loaded by group.listConnections() on first use; it imports only types, so it adds no shared chunk.

/** `path` is the collection's path relative to the endpoint (`api/hubs/{hub}/groups/{group}/connections`). */
export function pageGroupMembers(rest: WebPubSubRestClient, path: string, options: GroupListConnectionsOptions): PagedMembers {
  const origin = new URL(rest.endpoint).origin;
  // nextLink may be absolute or relative to the endpoint; it must stay on the endpoint (it gets our
  // bearer token) and keep the api-version.
  const resolve = (link: string) => {
    const url = new URL(link, rest.endpoint);
    if (url.origin !== origin) throw new TypeError('expected a nextLink on the endpoint, got another origin');
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', rest.apiVersion);
    return url.href;
  };
  async function* pages({ continuationToken, maxPageSize = options.maxPageSize }: { continuationToken?: string; maxPageSize?: number } = {}): AsyncGenerator<WebPubSubGroupMemberPage> {
    let link = continuationToken ?? rest.url(path, { maxpagesize: maxPageSize, top: options.top, continuationToken: options.continuationToken });
    while (link) {
      const response = await rest.send('group.listConnections', 'GET', resolve(link), options.abortSignal);
      const { value = [], nextLink } = (await response.json()) as { value?: WebPubSubGroupMember[]; nextLink?: string };
      const page: WebPubSubGroupMemberPage = value.map(({ connectionId, userId }) => (userId == null ? { connectionId } : { connectionId, userId }));
      // The page carries the nextLink to resume from, as core-paging sets it.
      if ((link = nextLink!)) page.continuationToken = link;
      yield page;
    }
  }
  const members = (async function* () {
    for await (const page of pages()) yield* page;
  })();
  return Object.assign(members, { byPage: pages });
}
