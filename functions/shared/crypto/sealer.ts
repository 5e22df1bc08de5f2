import type { Json } from '../events/event.js';

/**
 * Where a sealed value belongs. It is bound into the ciphertext as encryption context,
 * so a ciphertext copied to another stream or version fails to open.
 */
export interface SealContext {
  stream: string;
  version: number;
}

/** Envelope encryption of the sensitive part of an event. */
export interface Sealer {
  /** Encrypts `value` bound to `context`; returns base64 ciphertext. */
  seal(value: { [key: string]: Json }, context: SealContext): Promise<string>;
  /** Decrypts; throws `TamperDetected` when the ciphertext was altered or belongs elsewhere. */
  open(ciphertext: string, context: SealContext): Promise<{ [key: string]: Json }>;
}
