import { runSmoke } from './smoke-checks.mjs';

// Entry for Node, Deno and Bun: prints one JSON line of results. Deno reads the variable with --allow-env.
const env = globalThis.process?.env ?? globalThis.Deno?.env.toObject() ?? {};
const { WPS_CONNECTION_STRING, RELAY_CONNECTION_STRING, EVENTHUBS_CONNECTION_STRING } = env;
const results = await runSmoke({ WPS_CONNECTION_STRING, RELAY_CONNECTION_STRING, EVENTHUBS_CONNECTION_STRING });
console.log(JSON.stringify(results));
// Leftover handles (an SDK's timers, a socket still closing) must not keep the runtime alive until the runner's kill.
(globalThis.Deno?.exit ?? globalThis.process?.exit)?.(0);
