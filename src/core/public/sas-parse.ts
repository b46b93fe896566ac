export { parseSasToken, sasResourceUri, type ParsedSasToken } from '../sas-parse.js';
