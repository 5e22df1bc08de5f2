import { createHmac, timingSafeEqual } from 'node:crypto';
import { GenerateMacCommand, KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import { ConfigurationInvalid, SecretUnavailable, safeErrorName } from '../errors.js';
import { environmentClient, onForgetEnvironment } from '../environment-clients.js';

/**
 * Makes and checks the MAC of an approval link (see approval-link.ts). Production uses an
 * HMAC key held in KMS, so no process ever holds the key: {@link KmsLinkSigner}.
 */
export interface LinkSigner {
  /** The MAC of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** True when `mac` is the MAC of `message`; false for any other MAC. Throws when it cannot tell. */
  verify(message: Uint8Array, mac: Uint8Array): Promise<boolean>;
}

const MAC_ALGORITHM = 'HMAC_SHA_256';
/** What the errors call the key: a name a reader can look up, never key material. */
const KEY_NAME = 'approval link key (APPROVAL_LINK_KEY_ID)';

export interface KmsLinkSignerOptions {
  /** KMS HMAC key (key spec HMAC_256, key usage GENERATE_VERIFY_MAC): key id, key ARN, alias name or alias ARN. */
  keyId: string;
  /**
   * Endpoint, region and credentials come from the caller. A function is called at the first
   * sign or verify, so a request refused before any MAC is checked creates no client.
   */
  client: KMSClient | (() => KMSClient);
}

/**
 * Signs with KMS GenerateMac and verifies with KMS VerifyMac (HMAC_SHA_256). KMS compares the
 * MACs itself. A MAC KMS calls invalid is `false`; any other KMS failure (access denied,
 * throttling, a disabled key, the network) throws SecretUnavailable, so an outage never
 * passes for a forged link and never for a genuine one.
 *
 * @example
 * const signer = new KmsLinkSigner({ keyId: 'alias/wardflow-dev-approval-links', client: new KMSClient({}) });
 * // or let the first sign or verify create the client:
 * const lazy = new KmsLinkSigner({ keyId: 'alias/wardflow-dev-approval-links', client: () => new KMSClient({}) });
 * const mac = await signer.sign(message);
 * await signer.verify(message, mac); // true
 */
export class KmsLinkSigner implements LinkSigner {
  readonly #keyId: string;
  readonly #client: () => KMSClient;

  constructor({ keyId, client }: KmsLinkSignerOptions) {
    if (typeof keyId !== 'string' || keyId.trim() === '') throw new ConfigurationInvalid('the approval link key id (keyId) is empty');
    this.#keyId = keyId;
    let created: KMSClient | undefined;
    this.#client = () => (created ??= typeof client === 'function' ? client() : client);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    let mac: Uint8Array | undefined;
    try {
      ({ Mac: mac } = await this.#client().send(new GenerateMacCommand({ KeyId: this.#keyId, Message: message, MacAlgorithm: MAC_ALGORITHM })));
    } catch (error) {
      throw new SecretUnavailable(KEY_NAME, `KMS GenerateMac failed (${safeErrorName(error, 'unknown error')})`);
    }
    if (!(mac instanceof Uint8Array) || mac.byteLength === 0) throw new SecretUnavailable(KEY_NAME, 'KMS GenerateMac returned no MAC');
    return mac;
  }

  async verify(message: Uint8Array, mac: Uint8Array): Promise<boolean> {
    try {
      const { MacValid } = await this.#client().send(new VerifyMacCommand({ KeyId: this.#keyId, Message: message, Mac: mac, MacAlgorithm: MAC_ALGORITHM }));
      return MacValid === true;
    } catch (error) {
      if (safeErrorName(error) === 'KMSInvalidMacException') return false;
      throw new SecretUnavailable(KEY_NAME, `KMS VerifyMac failed (${safeErrorName(error, 'unknown error')})`);
    }
  }
}

/**
 * HMAC-SHA-256 with a key held in this process: tests and tools that run without KMS. It
 * compares MACs in constant time. Not for deployed code: there the key stays in KMS.
 *
 * @example
 * const signer = new HmacLinkSigner(randomBytes(32));
 */
export class HmacLinkSigner implements LinkSigner {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.byteLength < 32) throw new ConfigurationInvalid('an HMAC link key must be at least 32 bytes');
    this.#key = Buffer.from(key);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(createHmac('sha256', this.#key).update(message).digest());
  }

  async verify(message: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const expected = createHmac('sha256', this.#key).update(message).digest();
    // timingSafeEqual needs equal lengths; the length of a MAC is no secret.
    return mac.byteLength === expected.byteLength && timingSafeEqual(expected, mac);
  }
}

/** The installed signer (useLinkSigner) or, per key id, a KmsLinkSigner built from the environment. */
const signers = environmentClient(() => new Map<string, LinkSigner>());
let installed: LinkSigner | undefined;
onForgetEnvironment(() => {
  installed = undefined;
});

/**
 * Replaces the signer request-approval and the approval page use (tests, tools);
 * `undefined` goes back to a KmsLinkSigner for the configured key (see {@link linkSignerFor}).
 *
 * @example
 * useLinkSigner(new HmacLinkSigner(randomBytes(32)));
 */
export function useLinkSigner(signer: LinkSigner | undefined): void {
  installed = signer;
}

/**
 * The signer in use: the one installed with {@link useLinkSigner}, or a KmsLinkSigner for
 * `keyId` (APPROVAL_LINK_KEY_ID, which each handler reads with its configuration), built
 * once per key id. Its KMSClient takes endpoint, region and credentials from the environment
 * as usual (AWS_ENDPOINT_URL_KMS reaches a local endpoint, moto or LocalStack).
 *
 * @example
 * const link = await signApprovalLink(claims, linkSignerFor(settings.linkKeyId));
 */
export function linkSignerFor(keyId: string): LinkSigner {
  if (installed) return installed;
  const built = signers.get();
  let signer = built.get(keyId);
  if (signer === undefined) {
    // Its KMSClient is made at its first sign or verify, not when a handler asks for the signer.
    signer = new KmsLinkSigner({ keyId, client: () => new KMSClient({}) });
    built.set(keyId, signer);
  }
  return signer;
}
