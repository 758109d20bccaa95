/** A row that leaves the path: where it was rejected and why, with the data to inspect and fix it. */

export const REJECT_STAGES = ['read', 'map', 'resolve', 'validate', 'dedupe', 'write'] as const;
export type RejectStage = (typeof REJECT_STAGES)[number];

export interface Rejection {
  /** Legacy key, or null when the record had none that could be read. */
  readonly key: string | null;
  /** Stable identity in the rejects table: the key, or a position for keyless and duplicate records. */
  readonly ref: string;
  readonly origin: string;
  readonly stage: RejectStage;
  readonly reason: string;
  readonly payload: unknown;
}

export function rejection(stage: RejectStage, key: string | null, origin: string, reason: string, payload: unknown, ref?: string): Rejection {
  return { key, ref: ref ?? key ?? `@${origin}`, origin, stage, reason, payload };
}
