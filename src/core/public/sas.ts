export { verifySasToken, normalizeSasAudience, sasAudienceCovers, type VerifySasTokenOptions } from '../sas.js';
