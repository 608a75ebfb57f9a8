/**
 * PKCS#11 URIs (RFC 7512) as far as Trellis needs them: `pkcs11:token=<token label>;object=<key label>`
 * names an AES key in a token. Values are percent-encoded; other path attributes (manufacturer,
 * serial, type, id, ...) are accepted and ignored. A PIN in the URI (`?pin-value=`) is refused: the
 * PIN is server configuration, never part of a workspace's YAML.
 */
import { TrellisError } from '../../core/errors.js';

export interface Pkcs11KeyName {
  /** The token's label (CKA_LABEL of the token, without its padding). */
  token: string;
  /** The key's label (CKA_LABEL of the object). */
  object: string;
}

/** Whether `uri` is a PKCS#11 URI (it may still be incomplete). */
export function isPkcs11Uri(uri: string): boolean {
  return uri.toLowerCase().startsWith('pkcs11:');
}

/** The token and key a PKCS#11 URI names; a 400 naming what is missing or malformed. */
export function parsePkcs11Uri(uri: string): Pkcs11KeyName {
  if (!isPkcs11Uri(uri)) throw invalid(uri, 'it does not start with pkcs11:');
  const [path = '', query] = uri.slice('pkcs11:'.length).split('?', 2);
  if (query !== undefined && /(^|&)pin-(value|source)=/.test(query)) {
    throw invalid(`pkcs11:${path}`, 'it carries a PIN; set the PIN in the server configuration (TRELLIS_PKCS11_PIN) instead');
  }
  const attributes = new Map<string, string>();
  for (const part of path.split(';').filter(Boolean)) {
    const equals = part.indexOf('=');
    if (equals <= 0) throw invalid(uri, `'${part}' is not name=value`);
    attributes.set(part.slice(0, equals), decode(uri, part.slice(equals + 1)));
  }
  const token = attributes.get('token');
  const object = attributes.get('object');
  if (!token) throw invalid(uri, 'it names no token (token=<label>)');
  if (!object) throw invalid(uri, 'it names no key (object=<label>)');
  return { token, object };
}

/** The canonical URI of a key: `pkcs11:token=<token>;object=<object>`, percent-encoded. */
export function formatPkcs11Uri(name: Pkcs11KeyName): string {
  return `pkcs11:token=${encode(name.token)};object=${encode(name.object)}`;
}

function encode(value: string): string {
  // RFC 7512 pchar without ';' '=' '/' '?' and '%': everything else is percent-encoded.
  return Array.from(Buffer.from(value, 'utf8'))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~:[\]@!$'()*+,&]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function decode(uri: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (error) {
    throw invalid(uri, `'${value}' is not valid percent-encoding`, error);
  }
}

function invalid(uri: string, why: string, cause?: unknown): TrellisError {
  return new TrellisError(
    'InvalidKeyUri',
    400,
    `customer_managed_key.key_uri '${uri}' is not a usable PKCS#11 URI: ${why}; write pkcs11:token=<token label>;object=<key label>`,
    cause === undefined ? {} : { cause },
  );
}
