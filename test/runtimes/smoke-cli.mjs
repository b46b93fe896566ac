import { runSmoke } from './smoke-checks.mjs';

// Entry for Node, Deno and Bun: prints one JSON line of results. Deno reads the variable with --allow-env.
const env = globalThis.process?.env ?? globalThis.Deno?.env.toObject() ?? {};
const results = await runSmoke({ WPS_CONNECTION_STRING: env.WPS_CONNECTION_STRING });
console.log(JSON.stringify(results));
