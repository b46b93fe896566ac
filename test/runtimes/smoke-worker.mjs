import './smoke-worker-globals.mjs';
import { runSmoke } from './smoke-checks.mjs';

// Entry for workerd (bundled with esbuild, run by miniflare): answers the results as JSON.
// The emulators' connection strings are miniflare bindings.
export default {
  async fetch(_request, env) {
    return Response.json(await runSmoke(env));
  },
};
