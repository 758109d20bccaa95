/**
 * How much of a file one read has taken in: bytes consumed against the file's size (or, in a
 * workbook, the sheet's compressed entry). The reader adds each chunk as it arrives; the batcher
 * reads it once per batch. No per-row work.
 */
import type { ReadPosition } from '../types.js';

export class ReadMeter {
  /** Bytes taken in so far. */
  bytesRead = 0;
  /** Bytes the read will take in all; 0 while unknown. */
  bytesTotal = 0;

  /** Where the read is now; undefined while the size is unknown (or the file is empty). */
  position(): ReadPosition | undefined {
    if (this.bytesTotal <= 0) return undefined;
    return { done: Math.min(this.bytesRead, this.bytesTotal), total: this.bytesTotal };
  }

  /** `chunks`, each counted as it passes. */
  async *count(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }
}
