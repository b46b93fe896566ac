export { createSasTokenProvider, type SasTokenProviderOptions } from '../sas-token-provider.js';
