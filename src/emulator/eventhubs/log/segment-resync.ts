// Finding where intact records resume after a damaged one, for every segment format. A record
// format supplies how to read a record at a position and the numbers it holds; the search is the same.

/** What the search needs to know of a record found at a position. */
export interface FoundRecord {
  first: number;
  last: number;
  end: number;
}

export interface RecordFormat {
  /** The whole header (length and CRC) every record starts with. */
  headerBytes: number;
  /** Bytes after the header before a record's events (the smallest record is header + this). */
  fixedBytes: number;
  /** Fewest bytes one event takes, so a record `n` bytes on numbers at most `n / this` ahead. */
  minBytesPerNumber: number;
  /** The intact record at `position` whose numbers all lie above `after`, or undefined. */
  recordAt(data: Buffer, position: number, after: number): FoundRecord | undefined;
}

/**
 * Where intact records resume after a damaged one at `damaged`, `after` being the highest number
 * read so far. A candidate found `skipped` bytes later can be at most `skipped / minBytesPerNumber`
 * numbers ahead, which keeps record-shaped bytes far ahead in numbering from being taken for a record.
 */
export function nextValidRecord(format: RecordFormat, data: Buffer, damaged: number, after: number): number | undefined {
  const fits = (position: number) => {
    const record = format.recordAt(data, position, after);
    return record !== undefined && record.first <= after + 1 + Math.ceil((position - damaged) / format.minBytesPerNumber);
  };
  // Where the damaged record's length says the next one starts (right unless the length was hit).
  const claimed = damaged + format.headerBytes <= data.length ? damaged + format.headerBytes + data.readUInt32BE(damaged) : data.length;
  const claimedFits = claimed < data.length && fits(claimed);
  const limit = claimedFits ? claimed : data.length;
  let first: number | undefined;
  for (let position = damaged + 1; position < limit && position + format.headerBytes + format.fixedBytes <= data.length; position++) {
    if (fits(position)) {
      first = position;
      break;
    }
  }
  if (first === undefined) return claimedFits ? claimed : undefined;
  if (!claimedFits) return first;
  // Both: an earlier record is genuine when the records from it chain exactly onto the claimed
  // one and the numbering carries on there; otherwise it is record-shaped bytes inside the damaged
  // record's payload (at worst numbered as the damaged record's own events, by its own producer).
  let position = first;
  let highest = after;
  while (position < claimed) {
    const record = format.recordAt(data, position, highest);
    if (!record) break;
    highest = record.last;
    position = record.end;
  }
  return position === claimed && format.recordAt(data, claimed, highest) ? first : claimed;
}
