/**
 * The receipts this instance rendered in the last minutes, so that the download right after submitting
 * (what nearly every citizen does) is answered from memory instead of reading back and decrypting the
 * copy just stored. Only a shortcut: the stored, encrypted file stays the record, and a download from
 * another instance or a later one reads it. It is consulted after the download was authorised and the
 * file row found, so a deleted case is never served from here. Bounded by count and by age, which also
 * bounds how long a plaintext receipt stays in memory.
 */
export class RecentReceipts {
  readonly #entries = new Map<string, { bytes: Buffer; at: number }>();

  constructor(
    private readonly options: { max: number; maxAgeMs: number; now?: () => number } = {
      max: 256,
      maxAgeMs: 10 * 60_000,
    },
  ) {}

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  remember(fileId: string, bytes: Buffer): void {
    const now = this.#now();
    // Insertion order is age order: the expired and the surplus are at the front.
    for (const [id, entry] of this.#entries) {
      if (now - entry.at < this.options.maxAgeMs && this.#entries.size < this.options.max) break;
      this.#entries.delete(id);
    }
    this.#entries.set(fileId, { bytes, at: now });
  }

  /** The receipt's bytes while remembered, else undefined (then read the stored file). */
  get(fileId: string): Buffer | undefined {
    const entry = this.#entries.get(fileId);
    if (!entry) return undefined;
    if (this.#now() - entry.at >= this.options.maxAgeMs) {
      this.#entries.delete(fileId);
      return undefined;
    }
    return entry.bytes;
  }
}
