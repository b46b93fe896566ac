export { isTokenCredential, isTokenProvider, type AccessToken, type SasTokenSource, type TokenProvider } from '../token-provider.js';
