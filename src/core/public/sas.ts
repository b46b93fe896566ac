export {
  DEFAULT_SAS_TTL_SECONDS,
  createSasToken,
  parseSasToken,
  verifySasToken,
  normalizeSasAudience,
  sasAudienceCovers,
  sasResourceUri,
  type CreateSasTokenOptions,
  type ParsedSasToken,
  type VerifySasTokenOptions,
} from '../sas.js';
