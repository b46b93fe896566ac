export { RELAY_BACKOFF_STEPS, backoffDelay, exponentialDelay, type BackoffOptions } from '../backoff.js';
