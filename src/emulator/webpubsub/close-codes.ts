// The close codes the emulator ends client connections with (docs/protocol/webpubsub.md §4).

export const CLOSE_NORMAL = 1000;
/** 1008 tells the official client not to attempt recovery (docs/protocol/webpubsub.md §4). */
export const CLOSE_POLICY = 1008;
// [?] The service's codes for bad frames are undocumented; these are RFC 6455's, as Microsoft's emulator uses.
export const CLOSE_WRONG_FRAME_TYPE = 1003;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_INTERNAL_ERROR = 1011;
/** [?] The service's code for shedding load is undocumented; RFC 6455's "try again later". */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** No close frame: a network-level drop, the only one a reliable session survives. */
export const CLOSE_ABNORMAL = 1006;
