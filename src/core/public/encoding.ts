export { utf8Encode, utf8Decode, base64Encode, base64UrlEncode, base64UrlEncodeText, base64Decode, base64UrlDecode, hexEncode, timingSafeEqual } from '../encoding.js';
