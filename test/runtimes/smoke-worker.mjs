import { runSmoke } from './smoke-checks.mjs';

// Entry for workerd (bundled with esbuild, run by miniflare): answers the results as JSON.
export default {
  async fetch() {
    return Response.json(await runSmoke());
  },
};
