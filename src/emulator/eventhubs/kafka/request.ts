import type { KafkaReader, KafkaWriter } from './codec.js';
import type { KafkaContext, KafkaSession } from './context.js';

// One decoded request header plus its body reader; a handler answers with the response body
// (the connection adds size and header), or `undefined` when Kafka sends nothing back (acks=0).

export interface KafkaRequest {
  apiKey: number;
  version: number;
  flexible: boolean;
  correlationId: number;
  body: KafkaReader;
}

export type KafkaHandler = (
  request: KafkaRequest,
  session: KafkaSession,
  context: KafkaContext,
) => KafkaWriter | undefined | Promise<KafkaWriter | undefined>;
