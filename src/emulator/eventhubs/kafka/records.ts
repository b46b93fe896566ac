import { gunzipSync } from 'node:zlib';
import { KafkaDecodeError, KafkaReader, KafkaWriter } from './codec.js';

// RecordBatch v2, the only message format Kafka ≥ 0.11 clients write
// (https://kafka.apache.org/documentation/#recordbatch). The CRC is CRC-32C (Castagnoli) over
// everything from `attributes` to the end. Of the codecs only gzip is accepted, as on the
// service's standard tier; the rest are reported as UNSUPPORTED_COMPRESSION_TYPE.

export interface KafkaHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaHeader[];
  timestamp: number;
}

export interface DecodedBatch {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  control: boolean;
  records: KafkaRecord[];
}

/** Which Kafka error a bad batch deserves. */
export class RecordBatchError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) crc = CRC32C_TABLE[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BATCH_HEADER = 61;
/** attributes, timestampDelta, offsetDelta, key and value lengths, header count: one byte each at least. */
const MIN_RECORD_BYTES = 7;

function decodeRecords(reader: KafkaReader, count: number, baseTimestamp: number): KafkaRecord[] {
  if (count < 0 || count * MIN_RECORD_BYTES > reader.remaining()) {
    throw new KafkaDecodeError(`a batch of ${count} records cannot fit in ${reader.remaining()} bytes`);
  }
  const records: KafkaRecord[] = [];
  for (let index = 0; index < count; index++) {
    const length = reader.varint();
    if (length < 0 || length > reader.remaining()) throw new KafkaDecodeError(`record length ${length} exceeds the batch`);
    const record = new KafkaReader(reader.buffer, reader.position, reader.position + length);
    reader.position += length;
    record.int8();
    const timestamp = baseTimestamp + record.varint();
    record.varint();
    const key = record.varBytes();
    const value = record.varBytes();
    const headerCount = record.varint();
    if (headerCount < 0 || headerCount * 2 > record.remaining()) throw new KafkaDecodeError(`${headerCount} headers cannot fit in the record`);
    const headers: KafkaHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const name = record.varBytes();
      if (name === null) throw new KafkaDecodeError('expected a header key, got null');
      headers.push({ key: name.toString('utf8'), value: record.varBytes() });
    }
    records.push({ key, value, headers, timestamp });
  }
  return records;
}

/**
 * Every batch in a Produce partition's `records`; `maxInflated` bounds the gzip output of all of
 * them together: each batch's records stay referenced until the last is decoded, so a per-batch
 * bound would let hundreds of small gzip bombs in one request inflate to a gigabyte at once.
 */
export function decodeBatches(bytes: Buffer, maxInflated: number): DecodedBatch[] {
  const reader = new KafkaReader(bytes);
  const batches: DecodedBatch[] = [];
  let inflatable = maxInflated;
  while (reader.remaining() > 0) {
    if (reader.remaining() < BATCH_HEADER) throw new RecordBatchError(2, 'truncated record batch header');
    const start = reader.position;
    const baseOffset = reader.int64();
    const batchLength = reader.int32();
    if (batchLength < BATCH_HEADER - 12 || batchLength > reader.remaining()) throw new RecordBatchError(2, `batch length ${batchLength} does not match the bytes sent`);
    const end = start + 12 + batchLength;
    reader.int32();
    const magic = reader.int8();
    if (magic !== 2) throw new RecordBatchError(2, `expected record batch magic 2, got ${magic}`);
    const crc = reader.uint32();
    if (crc32c(bytes.subarray(reader.position, end)) !== crc) throw new RecordBatchError(2, 'record batch CRC-32C mismatch');
    const attributes = reader.int16();
    reader.int32();
    const baseTimestamp = reader.int64();
    reader.int64();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const baseSequence = reader.int32();
    const count = reader.int32();
    const compression = attributes & 0x07;
    let body = new KafkaReader(bytes, reader.position, end);
    if (compression === 1) {
      let inflated: Buffer;
      try {
        if (inflatable <= 0) throw new Error('the earlier batches used it all');
        inflated = gunzipSync(bytes.subarray(reader.position, end), { maxOutputLength: inflatable });
      } catch (error) {
        throw new RecordBatchError(2, `gzip records could not be inflated within ${maxInflated} bytes: ${(error as Error).message}`);
      }
      inflatable -= inflated.length;
      body = new KafkaReader(inflated);
    } else if (compression !== 0) {
      throw new RecordBatchError(76, `compression codec ${compression} is not supported; use none or gzip`);
    }
    let records: KafkaRecord[];
    try {
      records = decodeRecords(body, count, baseTimestamp);
    } catch (error) {
      throw new RecordBatchError(2, (error as Error).message);
    }
    batches.push({
      baseOffset,
      producerId,
      producerEpoch,
      baseSequence,
      transactional: (attributes & 0x10) !== 0,
      control: (attributes & 0x20) !== 0,
      records,
    });
    reader.position = end;
  }
  return batches;
}

/** One uncompressed batch of records at consecutive offsets from `baseOffset`, CreateTime stamps. */
export function encodeBatch(baseOffset: number, records: readonly KafkaRecord[]): Buffer {
  const writer = new KafkaWriter(BATCH_HEADER + records.length * 64);
  const first = records[0]?.timestamp ?? 0;
  const max = records.reduce((top, record) => Math.max(top, record.timestamp), first);
  writer.int64(baseOffset).int32(0).int32(0).int8(2).uint32(0);
  const crcFrom = writer.length;
  writer.int16(0).int32(records.length - 1).int64(first).int64(max).int64(-1).int16(-1).int32(-1).int32(records.length);
  records.forEach((record, index) => {
    const body = new KafkaWriter(32 + (record.key?.length ?? 0) + (record.value?.length ?? 0));
    body.int8(0).varint(record.timestamp - first).varint(index).varBytes(record.key).varBytes(record.value).varint(record.headers.length);
    for (const header of record.headers) body.varBytes(Buffer.from(header.key, 'utf8')).varBytes(header.value);
    const bytes = body.finish();
    writer.varint(bytes.length).raw(bytes);
  });
  const batch = writer.finish();
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeUInt32BE(crc32c(batch.subarray(crcFrom)), 17);
  return batch;
}
