import { runSmoke } from './smoke-checks.mjs';

// Entry for Node, Deno and Bun: prints one JSON line of results.
const results = await runSmoke();
console.log(JSON.stringify(results));
