export { RealtimeError, isRealtimeError, describeValue, redactSecrets, type RealtimeErrorCode, type RealtimeErrorOptions } from '../errors.js';
