import rhea from 'rhea';

// Byte-level access to the sections of an encoded AMQP message (AMQP 1.0 §3.2). The emulator
// stores what the producer sent byte for byte and, on delivery, only rewrites the two annotation
// sections, so properties, application-properties and body keep their exact AMQP types.

export interface TypedValue {
  value: unknown;
  descriptor?: TypedValue;
}

interface AmqpReader {
  position: number;
  read(): TypedValue;
  remaining(): number;
}

interface AmqpWriter {
  write(value: TypedValue): void;
  toBuffer(): Buffer;
}

/** The slice of rhea's `types` module the emulator uses; its typings leave most of it out. */
export interface AmqpTypes {
  Reader: new (buffer: Buffer) => AmqpReader;
  Writer: new () => AmqpWriter;
  Map32(items: TypedValue[]): TypedValue;
  described(descriptor: TypedValue, value: TypedValue): TypedValue;
  wrap_ulong(value: number): TypedValue;
  wrap_long(value: number): TypedValue;
  wrap_int(value: number): TypedValue;
  wrap_string(value: string): TypedValue;
  wrap_symbol(value: string): TypedValue;
  wrap_timestamp(value: number): TypedValue;
  wrap_boolean?(value: boolean): TypedValue;
  wrap_described(value: unknown, descriptor: number | string): TypedValue;
}

export const amqpTypes = (rhea as unknown as { types: AmqpTypes }).types;

export const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  sequence: 0x76,
  value: 0x77,
  footer: 0x78,
} as const;

/** Section codes by their symbolic descriptors. */
export const SECTION_BY_NAME: Record<string, number> = {
  'amqp:header:list': SECTION.header,
  'amqp:delivery-annotations:map': SECTION.deliveryAnnotations,
  'amqp:message-annotations:map': SECTION.messageAnnotations,
  'amqp:properties:list': SECTION.properties,
  'amqp:application-properties:map': SECTION.applicationProperties,
  'amqp:data:binary': SECTION.data,
  'amqp:amqp-sequence:list': SECTION.sequence,
  'amqp:amqp-value:*': SECTION.value,
  'amqp:footer:map': SECTION.footer,
};

export class AmqpDecodeError extends Error {
  override readonly name = 'AmqpDecodeError';
}

export interface RawSection {
  code: number;
  /** The section exactly as encoded. */
  bytes: Buffer;
  value: TypedValue;
}

function sectionCode(descriptor: TypedValue | undefined): number | undefined {
  const raw = descriptor?.value;
  if (typeof raw === 'number') return raw >= SECTION.header && raw <= SECTION.footer ? raw : undefined;
  if (typeof raw === 'string') return SECTION_BY_NAME[raw];
  return undefined;
}

export function splitSections(bytes: Buffer): RawSection[] {
  const reader = new amqpTypes.Reader(bytes);
  const sections: RawSection[] = [];
  try {
    while (reader.remaining() > 0) {
      const start = reader.position;
      const value = reader.read();
      if (reader.position > bytes.length) throw new AmqpDecodeError('message section runs past the end of the transfer');
      const code = sectionCode(value.descriptor);
      if (code === undefined) throw new AmqpDecodeError('expected a described message section (0x70–0x78), got another value');
      sections.push({ code, bytes: bytes.subarray(start, reader.position), value });
    }
  } catch (error) {
    if (error instanceof AmqpDecodeError) throw error;
    throw new AmqpDecodeError(`malformed AMQP message: ${(error as Error).message}`);
  }
  return sections;
}

/** A map section's entries as [key, value] pairs of typed values. */
export function mapEntries(section: RawSection | undefined): Array<[TypedValue, TypedValue]> {
  const items = section?.value.value;
  if (!Array.isArray(items)) return [];
  const entries: Array<[TypedValue, TypedValue]> = [];
  for (let i = 0; i + 1 < items.length; i += 2) entries.push([items[i] as TypedValue, items[i + 1] as TypedValue]);
  return entries;
}

export function annotationValue(section: RawSection | undefined, key: string): unknown {
  for (const [name, value] of mapEntries(section)) {
    if (name.value === key) return value.value;
  }
  return undefined;
}

export function annotationString(section: RawSection | undefined, key: string): string | undefined {
  const value = annotationValue(section, key);
  return typeof value === 'string' ? value : undefined;
}

export function encodeMapSection(code: number, entries: Array<[TypedValue, TypedValue]>): Buffer {
  const writer = new amqpTypes.Writer();
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(code), amqpTypes.Map32(entries.flat())));
  return writer.toBuffer();
}
