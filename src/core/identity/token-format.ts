import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Trellis's own bearer tokens: `trls_<kind>_<40 base62 characters><6 characters of CRC32>`. The
 * prefix lets secret scanners find a leaked token, the checksum lets them (and this server) tell a
 * token from a random string without a lookup. Only the SHA-256 of a token is ever stored: tokens
 * are 238 random bits, so a plain hash is as hard to reverse as the token is to guess.
 */
export type TokenKind = 'pat' | 'session' | 'job' | 'deployment';

const prefixOf: Record<TokenKind, string> = { pat: 'trls_pat_', session: 'trls_ses_', job: 'trls_job_', deployment: 'trls_dep_' };
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const bodyLength = 40;
const checksumLength = 6;

/** A new token of this kind: shown once to whoever asked for it, then only its hash is kept. */
export function newToken(kind: TokenKind): string {
  let body = '';
  // Rejection sampling keeps every character equally likely (248 = 4 × 62).
  while (body.length < bodyLength) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && body.length < bodyLength) body += alphabet[byte % 62];
    }
  }
  const prefix = prefixOf[kind];
  return `${prefix}${body}${checksumOf(prefix + body)}`;
}

/** The kind of a well-formed token whose checksum matches; undefined for anything else. */
export function tokenKindOf(text: string): TokenKind | undefined {
  for (const [kind, prefix] of Object.entries(prefixOf) as Array<[TokenKind, string]>) {
    if (!text.startsWith(prefix) || text.length !== prefix.length + bodyLength + checksumLength) continue;
    const body = text.slice(prefix.length, prefix.length + bodyLength);
    if (![...body].every((character) => alphabet.includes(character))) return undefined;
    return text.slice(-checksumLength) === checksumOf(prefix + body) ? kind : undefined;
  }
  return undefined;
}

/** Whether a credential is meant to be one of Trellis's tokens (its prefix), checksum aside. */
export function looksLikeTrellisToken(text: string): boolean {
  return text.startsWith('trls_');
}

/** What is stored and looked up: the SHA-256 of the token, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function checksumOf(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let index = 0; index < checksumLength; index++) {
    out = alphabet[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}
