import type { KeyringNode, NodeMaterialsManager } from '@aws-crypto/client-node';
import type { KMSClient } from '@aws-sdk/client-kms';
import { ConfigurationInvalid, SecretUnavailable, TamperDetected, safeErrorName } from '../errors.js';
import type { Json } from '../events/event.js';
import { MAX_ITEM_BYTES } from '../events/item-size.js';
import { esdkKmsClient, resolveKeyArn, runRecordingKmsFailures } from './kms-keyring-client.js';
import type { SealContext, Sealer } from './sealer.js';

type EncryptionSdkModule = typeof import('@aws-crypto/client-node');

/** The Encryption SDK and the client built from it, loaded once by `encryptionSdk()`. */
interface EncryptionSdk {
  lib: EncryptionSdkModule;
  esdk: ReturnType<EncryptionSdkModule['buildClient']>;
}

let loading: Promise<EncryptionSdk> | undefined;

/**
 * Loads the Encryption SDK at the first seal or open, not when a handler loads: it costs about
 * 75 ms of a cold start, and every step imports the sealer (through the event store) while
 * only some of them ever seal or open. In a deployed handler it is not even in index.mjs but
 * bundled beside it (LOADED_AT_FIRST_USE in lib/constructs/handler-function.ts).
 */
function encryptionSdk(): Promise<EncryptionSdk> {
  loading ??= import('@aws-crypto/client-node').then(
    // The package is CommonJS: in the ESM bundle beside a handler its module.exports is the default
    // export (no named exports); where tsx loads it (the local runtime) only the named exports exist.
    (loaded) => {
      const lib = (loaded as { default?: EncryptionSdkModule }).default ?? loaded;
      return {
        lib,
        // Key commitment on both sides: a ciphertext cannot be crafted to open under two data keys.
        // One encrypted data key per message: our keyrings make exactly one, and a bound stops a
        // forged message from making us call KMS many times. Raise it if a multi-keyring is added.
        esdk: lib.buildClient({ commitmentPolicy: lib.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 1 }),
      };
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

// Committing suite without ECDSA signatures: whoever may open (kms:Decrypt) may also seal
// here (same step roles), so a signature would prove nothing more, and it costs a P-384
// key pair per message. Integrity of stored ciphertext is also covered by the hash chain.
const suiteOf = (lib: EncryptionSdkModule) => lib.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

const STREAM_KEY = 'wardflow:stream';
const VERSION_KEY = 'wardflow:version';
// Keys the Encryption SDK itself may add to the context (e.g. a signing public key).
const RESERVED_PREFIX = 'aws-crypto-';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Bounds the work a forged or oversized message can cause; sealed parts live in one item. */
const MAX_SEALED_BYTES = MAX_ITEM_BYTES;
/** Messages one cached data key may encrypt before KMS is asked for a new one. */
const MAX_MESSAGES_PER_CACHED_KEY = 1000;

type Materials = KeyringNode | NodeMaterialsManager;

export interface KmsSealerOptions {
  /** KMS key id, key ARN, alias name or alias ARN. Not a key ARN: resolved once with DescribeKey. */
  keyId: string;
  /**
   * Endpoint, region and credentials come from the caller. A function is called once, at the
   * first seal or open, so a step that never seals or opens never creates a KMS client.
   */
  client: KMSClient | (() => KMSClient);
  /**
   * How long a data key may be reused, in seconds; 0 turns caching off. The cache is keyed
   * by encryption context, which is per event, so in practice it spares KMS calls when the
   * same event is opened again (approval page GET then POST), not when sealing new events.
   */
  cacheMaxAgeSeconds: number;
}

export interface RawAesSealerOptions {
  keyName: string;
  keyNamespace: string;
  /** 32 bytes of key material, kept by the caller (tests, the local runtime's data folder). */
  key: Uint8Array;
}

/**
 * Envelope encryption of sensitive event fields with the AWS Encryption SDK: each value
 * gets a fresh data key, wrapped by KMS (or a raw AES key locally), and the event's stream
 * and version are bound in as encryption context
 * (`{ 'wardflow:stream': stream, 'wardflow:version': '3' }`).
 *
 * `open` checks that the authenticated context is exactly the expected one, so a
 * ciphertext copied from another event fails with `TamperDetected` ("sealed data belongs
 * to ..."), as does any altered byte or a wrong key. When KMS itself fails (access denied,
 * throttling, network) `open` throws `SecretUnavailable` instead: that says nothing about
 * tampering. No error carries ciphertext or plaintext.
 *
 * @example
 * const sealer = EncryptionSdkSealer.kms({ keyId: 'alias/wardflow-dev-data', client: new KMSClient({}), cacheMaxAgeSeconds: 60 });
 * const sealed = await sealer.seal({ taskToken }, { stream: 'approval#a1', version: 1 });
 * const { taskToken: token } = await sealer.open(sealed, { stream: 'approval#a1', version: 1 });
 */
export class EncryptionSdkSealer implements Sealer {
  private materials: Promise<Materials> | undefined;

  private constructor(private readonly buildMaterials: (lib: EncryptionSdkModule) => Promise<Materials>) {}

  /**
   * A sealer whose data keys KMS generates and wraps.
   *
   * @example
   * const kms = new KMSClient({ region: 'eu-west-1' });
   * const sealer = EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 60 });
   * // or let the first seal or open create the client:
   * const lazy = EncryptionSdkSealer.kms({ keyId: keyArn, client: () => new KMSClient({}), cacheMaxAgeSeconds: 60 });
   */
  static kms({ keyId, client, cacheMaxAgeSeconds }: KmsSealerOptions): EncryptionSdkSealer {
    if (typeof keyId !== 'string' || keyId.trim() === '') throw new ConfigurationInvalid('the data key id (keyId) is empty');
    if (!Number.isFinite(cacheMaxAgeSeconds) || cacheMaxAgeSeconds < 0) {
      throw new ConfigurationInvalid('cacheMaxAgeSeconds must be a number of seconds >= 0');
    }
    let created: KMSClient | undefined;
    const kms = (): KMSClient => (created ??= typeof client === 'function' ? client() : client);
    return new EncryptionSdkSealer(async (lib) => {
      const keyArn = await resolveKeyArn(kms(), keyId);
      const kmsClient = esdkKmsClient(kms());
      const keyring = new lib.KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kmsClient });
      if (cacheMaxAgeSeconds === 0) return keyring;
      return new lib.NodeCachingMaterialsManager({
        backingMaterials: keyring,
        cache: lib.getLocalCryptographicMaterialsCache(1000),
        maxAge: cacheMaxAgeSeconds * 1000,
        maxMessagesEncrypted: MAX_MESSAGES_PER_CACHED_KEY,
        partition: `wardflow:${keyArn}`,
      });
    });
  }

  /**
   * A sealer with a raw 256-bit AES wrapping key: unit tests and the local runtime only.
   *
   * @example
   * const sealer = EncryptionSdkSealer.rawAes({ keyName: 'local', keyNamespace: 'wardflow', key: randomBytes(32) });
   */
  static rawAes({ keyName, keyNamespace, key }: RawAesSealerOptions): EncryptionSdkSealer {
    if (!(key instanceof Uint8Array) || key.byteLength !== 32) {
      throw new ConfigurationInvalid('the raw AES wrapping key must be 32 bytes');
    }
    const unencryptedMasterKey = Uint8Array.from(key);
    // Built at the first seal or open, once the Encryption SDK is loaded; a keyring it refuses
    // (say, an empty key name) is a configuration error, not a KMS one.
    return new EncryptionSdkSealer(async (lib) => {
      try {
        return new lib.RawAesKeyringNode({
          keyName,
          keyNamespace,
          unencryptedMasterKey,
          wrappingSuite: lib.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
        });
      } catch (error) {
        throw new ConfigurationInvalid(`the raw AES keyring ${keyNamespace}/${keyName} is invalid (${errorName(error)})`);
      }
    });
  }

  async seal(value: { [key: string]: Json }, context: SealContext): Promise<string> {
    const { lib, esdk } = await encryptionSdk();
    const materials = await this.getMaterials(lib, context);
    const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
    try {
      const { result } = await esdk.encrypt(materials, plaintext, { suiteId: suiteOf(lib), encryptionContext: contextFor(context) });
      return result.toString('base64');
    } catch (error) {
      throw new SecretUnavailable(`data key for ${context.stream} v${context.version}`, `sealing failed (${errorName(error)})`);
    }
  }

  async open(ciphertext: string, context: SealContext): Promise<{ [key: string]: Json }> {
    const tamper = (reason: string) => new TamperDetected(context.stream, context.version, reason);
    if (typeof ciphertext !== 'string' || ciphertext.length === 0 || !BASE64.test(ciphertext)) {
      throw tamper('sealed data is not base64');
    }
    const bytes = Buffer.from(ciphertext, 'base64');
    if (bytes.byteLength > MAX_SEALED_BYTES) throw tamper('sealed data is larger than any sealed part can be');
    const { lib, esdk } = await encryptionSdk();
    const materials = await this.getMaterials(lib, context);
    const { result, kms } = await runRecordingKmsFailures(() => esdk.decrypt(materials, bytes, { maxBodySize: MAX_SEALED_BYTES }));
    if (result === undefined) {
      if (kms.errorName !== undefined) {
        throw new SecretUnavailable(
          `sealed data of ${context.stream} v${context.version}`,
          `KMS failed to unwrap its data key (${kms.errorName})`,
        );
      }
      throw tamper('sealed data does not decrypt (altered, truncated or sealed under another key)');
    }
    const found = result.messageHeader.encryptionContext;
    const claimed = Object.keys(found).filter((k) => !k.startsWith(RESERVED_PREFIX));
    const expected = contextFor(context);
    const sameKeys = claimed.length === 2 && STREAM_KEY in found && VERSION_KEY in found;
    if (!sameKeys) throw tamper('sealed data carries an unexpected encryption context');
    if (found[STREAM_KEY] !== expected[STREAM_KEY] || found[VERSION_KEY] !== expected[VERSION_KEY]) {
      throw tamper(`sealed data belongs to ${found[STREAM_KEY]} v${found[VERSION_KEY]}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(result.plaintext.toString('utf8'));
    } catch {
      throw tamper('sealed data is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw tamper('sealed data is not a JSON object');
    return value as { [key: string]: Json };
  }

  /** Builds the keyring once (resolving the key ARN); a failed build is retried on the next call. */
  private async getMaterials(lib: EncryptionSdkModule, context: SealContext): Promise<Materials> {
    this.materials ??= this.buildMaterials(lib);
    try {
      return await this.materials;
    } catch (error) {
      this.materials = undefined;
      if (error instanceof ConfigurationInvalid) throw error;
      throw new SecretUnavailable(`data key for ${context.stream} v${context.version}`, `the KMS key could not be described (${errorName(error)})`);
    }
  }
}

function contextFor({ stream, version }: SealContext): Record<string, string> {
  return { [STREAM_KEY]: stream, [VERSION_KEY]: String(version) };
}

/** The error's class name only: SDK messages may echo request content. */
const errorName = (error: unknown): string => safeErrorName(error, 'unknown error');
