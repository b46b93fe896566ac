export {
  DEFAULT_ENVELOPE_MAX_BYTES,
  encodeEnvelope,
  decodeEnvelope,
  encodeQuickstartMessage,
  decodeQuickstartMessage,
  type DecodeEnvelopeOptions,
  type Envelope,
} from '../codec/envelope.js';
