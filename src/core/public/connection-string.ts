export {
  parseServiceBusConnectionString,
  parseRelayConnectionString,
  parseEventHubsConnectionString,
  parseWebPubSubConnectionString,
  parseRelayQuickstartConfig,
  formatServiceBusConnectionString,
  type RelayQuickstartConfig,
  type ServiceBusConnectionString,
  type WebPubSubConnectionString,
} from '../connection-string.js';
