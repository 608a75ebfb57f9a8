/**
 * A key-encryption key (KEK): it wraps and unwraps workspace data keys and nothing else, so the
 * database holds data keys only wrapped. One interface, one file per kind: a key file Trellis
 * makes (file-kek.ts) or a key that never leaves a PKCS#11 token (pkcs11-kek.ts).
 */
export interface KeyEncryptionKey {
  /** Names this KEK and its version, stored beside what it wrapped: `file:3`, `pkcs11:token=t;object=k`. */
  readonly id: string;
  /** Wraps a data key; returns the wrapped bytes as base64url text. */
  wrap(dataKey: Uint8Array): Promise<string>;
  /** Unwraps what `wrap` returned; throws (without the bytes in the message) when it does not unwrap. */
  unwrap(wrapped: string): Promise<Buffer>;
}

/** Where KEKs of one kind come from. */
export interface KeyEncryptionKeyProvider {
  /** Whether this provider owns the KEK named `id` (by its scheme). */
  owns(id: string): boolean;
  /** The KEK named `id`; a KeyNotFound TrellisError when there is none. */
  byId(id: string): Promise<KeyEncryptionKey>;
  /**
   * A new version of the KEK named `id` (or, with `label`, the existing key of that label beside it);
   * what was wrapped with older versions still unwraps with them.
   */
  rotate(id: string, options?: { label?: string | undefined }): Promise<KeyEncryptionKey>;
  /** Lets go of sessions and handles. */
  close(): Promise<void>;
}
