// API keys, the version ranges the emulator answers and error codes
// (https://kafka.apache.org/protocol#protocol_api_keys, #protocol_error_codes). The ranges reach
// from what kafkajs and librdkafka ask for up to what @platformatic/kafka and kafka-clients 3.9
// need (Metadata 12, Fetch 17, ApiVersions 4), wider than the service's observed maxima.

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  InitProducerId: 22,
  SaslAuthenticate: 36,
} as const;

export interface VersionRange {
  min: number;
  max: number;
  /** First version using flexible encoding (compact strings, tagged fields); Infinity = never. */
  flexible: number;
}

type ApiName = keyof typeof API;

// [min, max, first flexible version] per API, five to a line: the table reads as one block.
const RANGES: Record<ApiName, readonly [number, number, number]> = {
  Produce: [3, 11, 9], Fetch: [4, 17, 12], ListOffsets: [1, 9, 6], Metadata: [0, 12, 9], OffsetCommit: [2, 9, 8],
  OffsetFetch: [1, 9, 6], FindCoordinator: [0, 6, 3], JoinGroup: [0, 9, 6], Heartbeat: [0, 4, 4], LeaveGroup: [0, 5, 4],
  SyncGroup: [0, 5, 4], DescribeGroups: [0, 5, 5], ListGroups: [0, 4, 3], SaslHandshake: [0, 1, Number.POSITIVE_INFINITY],
  ApiVersions: [0, 4, 3], InitProducerId: [0, 5, 2], SaslAuthenticate: [0, 2, 2],
};

export const SUPPORTED: ReadonlyMap<number, VersionRange> = new Map(
  (Object.entries(RANGES) as Array<[ApiName, readonly [number, number, number]]>).map(([name, [min, max, flexible]]) => [API[name], { min, max, flexible }]),
);

export const ERROR = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SASL_AUTHENTICATION_FAILED: 58,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  GROUP_MAX_SIZE_REACHED: 81,
  UNKNOWN_TOPIC_ID: 100,
} as const;

/** The single broker the emulator plays: node 0, leader of every partition. */
export const NODE_ID = 0;
