import { runSmoke } from './smoke-checks.mjs';

// Entry for workerd (bundled with esbuild, run by miniflare): answers the results as JSON.
// `env.WPS_CONNECTION_STRING` is a miniflare binding.
export default {
  async fetch(_request, env) {
    return Response.json(await runSmoke(env));
  },
};
