export { DEFAULT_SAS_TTL_SECONDS, createSasToken, type CreateSasTokenOptions } from '../sas-create.js';
