export { createWebCryptoHmac } from '../crypto.js';
