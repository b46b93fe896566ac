export { resolveRuntime, type NowOption, type RuntimeOption } from '../runtime.js';
export type { HmacSha256, Runtime, Timers } from '../runtime-types.js';
