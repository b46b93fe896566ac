export { startRelayEmulator, type RelayEmulatorOptions, type RunningRelayEmulator } from './server.js';
export {
  loadRelayConfig,
  type RelayEmulatorConfig,
  type NamespaceConfig,
  type HybridConnectionConfig,
  type SasRuleConfig,
  type RelayClaim,
} from './config.js';
