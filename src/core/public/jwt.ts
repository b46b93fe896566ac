export { signJwt, verifyJwt, decodeJwt, type JwtOptions, type JwtPayload, type VerifyJwtOptions } from '../jwt.js';
