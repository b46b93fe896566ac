// What a SAS token provider loads on its first mint. A module of its own because a lazily imported
// module keeps every export it has: importing sas.ts itself would keep its verifier too, and put it
// up front in every bundle that also uses sas.ts directly (scripts/size.mjs).
export { createSasToken } from './sas.js';
