import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AwsProtocolError } from './protocol-error.js';
import { blobKeyId, openBlob, sealBlob } from './kms-ciphertext.js';
import { openKmsKeyFile, type DefaultKey, type HmacKeySpec, type LocalKeyRecord, type LocalKeySpec } from './kms-key-file.js';
import { LOCAL_ACCOUNT_ID } from './wire.js';

export const SEALING_KEY_ALIAS = 'alias/wardflow-local-sealing';
export const LINK_KEY_ALIAS = 'alias/wardflow-local-approval-links';

const DEFAULT_KEYS: readonly DefaultKey[] = [
  { alias: SEALING_KEY_ALIAS, keySpec: 'SYMMETRIC_DEFAULT', description: 'wardflow local: seals sensitive event fields (envelope encryption)' },
  { alias: LINK_KEY_ALIAS, keySpec: 'HMAC_256', description: 'wardflow local: signs emailed approval links' },
];

export type MacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export const MAC_ALGORITHMS: readonly MacAlgorithm[] = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'];

/** AWS KMS: an HMAC key supports exactly the algorithm of its size. */
const MAC_ALGORITHM_OF: Readonly<Record<HmacKeySpec, MacAlgorithm>> = {
  HMAC_224: 'HMAC_SHA_224',
  HMAC_256: 'HMAC_SHA_256',
  HMAC_384: 'HMAC_SHA_384',
  HMAC_512: 'HMAC_SHA_512',
};
const NODE_HASH_OF: Readonly<Record<MacAlgorithm, string>> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

// AWS KMS limits (API reference): plaintext and MAC message 1..4096 bytes, data keys 1..1024 bytes.
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_DATA_KEY_BYTES = 1024;

/** DescribeKey's KeyMetadata, as far as the local keys have it. */
export interface LocalKeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: true;
  Description: string;
  KeyUsage: 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
  KeyState: 'Enabled';
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: LocalKeySpec;
  KeySpec: LocalKeySpec;
  EncryptionAlgorithms?: ['SYMMETRIC_DEFAULT'];
  MacAlgorithms?: [MacAlgorithm];
  MultiRegion: false;
}

interface ResolvedKey {
  record: LocalKeyRecord;
  arn: string;
  material: Buffer;
}

type Context = Readonly<Record<string, string>>;

/** A key id, key ARN, alias name or alias ARN (any region or account). */
const KEY_ID_SHAPE = /^(arn:aws[a-z-]*:kms:[a-z0-9-]*:\d{12}:)?(key\/[0-9a-fA-F-]{36}|[0-9a-fA-F-]{36}|alias\/[a-zA-Z0-9/_-]{1,250})$/;

/**
 * The local stand-in for AWS KMS: symmetric encryption (Encrypt, Decrypt, GenerateDataKey)
 * and HMAC (GenerateMac, VerifyMac) with keys kept in `<dataDir>/keys/kms.json`, with the
 * checks our code relies on from AWS: the encryption context must match exactly, a key is
 * used only for its key usage, a Decrypt that names a key must name the blob's key.
 *
 * Errors are AwsProtocolError with AWS's names (NotFoundException, InvalidCiphertextException,
 * IncorrectKeyException, InvalidKeyUsageException, KMSInvalidMacException,
 * ValidationException); their messages never carry plaintext, MACs or key material.
 *
 * @example
 * const kms = LocalKms.open('.wardflow', 'eu-west-1');
 * const { ciphertextBlob } = kms.encrypt({ keyId: 'alias/wardflow-local-sealing', plaintext: Buffer.from('x'), encryptionContext: { a: '1' } });
 * kms.decrypt({ ciphertextBlob, encryptionContext: { a: '1' } }).plaintext.toString(); // 'x'
 */
export class LocalKms {
  /** ARN of the ENCRYPT_DECRYPT key that seals event fields (alias/wardflow-local-sealing). */
  readonly sealingKeyArn: string;
  /** ARN of the HMAC_256 key that signs approval links (alias/wardflow-local-approval-links). */
  readonly linkKeyArn: string;

  private constructor(
    private readonly region: string,
    private readonly keys: readonly LocalKeyRecord[],
  ) {
    this.sealingKeyArn = this.resolve(SEALING_KEY_ALIAS).arn;
    this.linkKeyArn = this.resolve(LINK_KEY_ALIAS).arn;
  }

  /**
   * Opens the keys of a data folder, creating the file and the two default keys on first use.
   * ARNs name `region` and the local account 000000000000.
   *
   * @example
   * const kms = LocalKms.open(folder.root, 'us-east-1');
   */
  static open(dataDir: string, region: string): LocalKms {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error(`the local KMS needs an AWS region name such as us-east-1, not "${region}"`);
    return new LocalKms(region, openKmsKeyFile(dataDir, DEFAULT_KEYS));
  }

  /**
   * DescribeKey.
   *
   * @example
   * kms.describeKey('alias/wardflow-local-sealing').Arn;
   */
  describeKey(keyId: string): LocalKeyMetadata {
    const { record, arn } = this.resolve(keyId);
    const isMac = record.keySpec !== 'SYMMETRIC_DEFAULT';
    return {
      AWSAccountId: LOCAL_ACCOUNT_ID,
      KeyId: record.keyId,
      Arn: arn,
      CreationDate: new Date(record.creationDate),
      Enabled: true,
      Description: record.description,
      KeyUsage: isMac ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: record.keySpec,
      KeySpec: record.keySpec,
      ...(record.keySpec === 'SYMMETRIC_DEFAULT'
        ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] as ['SYMMETRIC_DEFAULT'] }
        : { MacAlgorithms: [MAC_ALGORITHM_OF[record.keySpec]] as [MacAlgorithm] }),
      MultiRegion: false,
    };
  }

  /**
   * Encrypt: at most 4096 bytes of plaintext under a symmetric key, bound to the context.
   *
   * @example
   * const { ciphertextBlob, keyArn } = kms.encrypt({ keyId: kms.sealingKeyArn, plaintext, encryptionContext: {} });
   */
  encrypt(request: { keyId: string; plaintext: Buffer; encryptionContext: Context }): { ciphertextBlob: Buffer; keyArn: string } {
    const key = this.symmetricKey(request.keyId);
    if (request.plaintext.byteLength < 1 || request.plaintext.byteLength > MAX_PLAINTEXT_BYTES) {
      throw new AwsProtocolError('ValidationException', `Plaintext must be between 1 and ${MAX_PLAINTEXT_BYTES} bytes long.`);
    }
    return { ciphertextBlob: this.seal(key, request.plaintext, request.encryptionContext), keyArn: key.arn };
  }

  /**
   * GenerateDataKey: a random data key, in plaintext and encrypted under a symmetric key.
   * Exactly one of `keySpec` (AES_256, AES_128) and `numberOfBytes` (1..1024), as in AWS.
   *
   * @example
   * const { plaintext, ciphertextBlob } = kms.generateDataKey({ keyId: kms.sealingKeyArn, keySpec: 'AES_256', encryptionContext: {} });
   */
  generateDataKey(request: { keyId: string; keySpec?: 'AES_256' | 'AES_128'; numberOfBytes?: number; encryptionContext: Context }): {
    plaintext: Buffer;
    ciphertextBlob: Buffer;
    keyArn: string;
  } {
    const key = this.symmetricKey(request.keyId);
    const { keySpec, numberOfBytes } = request;
    if ((keySpec === undefined) === (numberOfBytes === undefined)) {
      throw new AwsProtocolError('ValidationException', 'Specify either KeySpec or NumberOfBytes, not both and not neither.');
    }
    const bytes = keySpec === 'AES_128' ? 16 : keySpec === 'AES_256' ? 32 : (numberOfBytes as number);
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_DATA_KEY_BYTES) {
      throw new AwsProtocolError('ValidationException', `NumberOfBytes must be between 1 and ${MAX_DATA_KEY_BYTES}.`);
    }
    const plaintext = randomBytes(bytes);
    return { plaintext, ciphertextBlob: this.seal(key, plaintext, request.encryptionContext), keyArn: key.arn };
  }

  /**
   * Decrypt: the context must be exactly the one given at Encrypt (else
   * InvalidCiphertextException); a `keyId`, when given, must name the blob's key (else
   * IncorrectKeyException). Returns the key's ARN, which the AWS Encryption SDK checks.
   *
   * @example
   * const { plaintext, keyArn } = kms.decrypt({ ciphertextBlob, encryptionContext: { a: '1' } });
   */
  decrypt(request: { ciphertextBlob: Buffer; encryptionContext: Context; keyId?: string }): { plaintext: Buffer; keyArn: string } {
    const requested = request.keyId === undefined ? undefined : this.symmetricKey(request.keyId);
    const invalid = () =>
      new AwsProtocolError('InvalidCiphertextException', 'The ciphertext is invalid, was altered, or its encryption context does not match.');
    const blobKey = blobKeyId(request.ciphertextBlob);
    if (blobKey === undefined) throw invalid();
    if (requested !== undefined && requested.record.keyId !== blobKey) {
      throw new AwsProtocolError('IncorrectKeyException', 'The KMS key in the request cannot decrypt this ciphertext: it was encrypted under another key.');
    }
    const key = this.keys.find((k) => k.keyId === blobKey);
    // A blob naming no key of this folder: made elsewhere, or its key file was replaced.
    if (key === undefined || key.keySpec !== 'SYMMETRIC_DEFAULT') throw invalid();
    const resolved = this.resolve(key.keyId);
    const opened = openBlob({ blob: request.ciphertextBlob, material: resolved.material, context: request.encryptionContext });
    if ('failure' in opened) throw invalid();
    return { plaintext: opened.plaintext, keyArn: resolved.arn };
  }

  /**
   * GenerateMac with an HMAC key and the one algorithm its key spec supports.
   *
   * @example
   * const { mac } = kms.generateMac({ keyId: kms.linkKeyArn, message: Buffer.from('a1|bob|1700000000'), macAlgorithm: 'HMAC_SHA_256' });
   */
  generateMac(request: { keyId: string; message: Buffer; macAlgorithm: MacAlgorithm }): { mac: Buffer; keyArn: string; macAlgorithm: MacAlgorithm } {
    const key = this.macKey(request.keyId, request.macAlgorithm);
    this.checkMessage(request.message);
    const mac = createHmac(NODE_HASH_OF[request.macAlgorithm], key.material).update(request.message).digest();
    return { mac, keyArn: key.arn, macAlgorithm: request.macAlgorithm };
  }

  /**
   * VerifyMac: returns when the MAC is right; a wrong MAC throws KMSInvalidMacException
   * (AWS never answers MacValid: false). Compared in constant time.
   *
   * @example
   * kms.verifyMac({ keyId: kms.linkKeyArn, message, mac, macAlgorithm: 'HMAC_SHA_256' });
   */
  verifyMac(request: { keyId: string; message: Buffer; mac: Buffer; macAlgorithm: MacAlgorithm }): { keyArn: string; macAlgorithm: MacAlgorithm } {
    const { mac: expected, keyArn } = this.generateMac(request);
    if (request.mac.byteLength !== expected.byteLength || !timingSafeEqual(request.mac, expected)) {
      throw new AwsProtocolError('KMSInvalidMacException', 'The MAC does not verify with this key, message and algorithm.');
    }
    return { keyArn, macAlgorithm: request.macAlgorithm };
  }

  private seal(key: ResolvedKey, plaintext: Buffer, context: Context): Buffer {
    return sealBlob({ keyId: key.record.keyId, material: key.material, plaintext, context });
  }

  private symmetricKey(keyId: string): ResolvedKey {
    const key = this.resolve(keyId);
    if (key.record.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw new AwsProtocolError('InvalidKeyUsageException', `${key.arn} is a GENERATE_VERIFY_MAC key; this operation needs an ENCRYPT_DECRYPT key.`);
    }
    return key;
  }

  private macKey(keyId: string, algorithm: MacAlgorithm): ResolvedKey {
    const key = this.resolve(keyId);
    const spec = key.record.keySpec;
    if (spec === 'SYMMETRIC_DEFAULT') {
      throw new AwsProtocolError('InvalidKeyUsageException', `${key.arn} is an ENCRYPT_DECRYPT key; this operation needs a GENERATE_VERIFY_MAC key.`);
    }
    if (MAC_ALGORITHM_OF[spec] !== algorithm) {
      throw new AwsProtocolError('InvalidKeyUsageException', `${key.arn} is an ${spec} key; it supports ${MAC_ALGORITHM_OF[spec]} only.`);
    }
    return key;
  }

  private checkMessage(message: Buffer): void {
    if (message.byteLength < 1 || message.byteLength > MAX_PLAINTEXT_BYTES) {
      throw new AwsProtocolError('ValidationException', `Message must be between 1 and ${MAX_PLAINTEXT_BYTES} bytes long.`);
    }
  }

  /** A key id, key ARN, alias name or alias ARN of this region and the local account. */
  private resolve(keyId: string): ResolvedKey {
    const arnPrefix = `arn:aws:kms:${this.region}:${LOCAL_ACCOUNT_ID}:`;
    const byId = (id: string) => this.keys.find((k) => k.keyId === id);
    const byAlias = (alias: string) => this.keys.find((k) => k.alias === alias);
    let record: LocalKeyRecord | undefined;
    if (keyId.startsWith(`${arnPrefix}key/`)) record = byId(keyId.slice(`${arnPrefix}key/`.length));
    else if (keyId.startsWith(`${arnPrefix}alias/`)) record = byAlias(keyId.slice(arnPrefix.length));
    else if (keyId.startsWith('alias/')) record = byAlias(keyId);
    else if (!keyId.startsWith('arn:')) record = byId(keyId);
    if (record === undefined) {
      // Echo the id only when it has the shape of one: a caller may have put anything in KeyId.
      const shown = KEY_ID_SHAPE.test(keyId) ? `'${keyId}'` : 'The KeyId given';
      throw new AwsProtocolError('NotFoundException', `${shown} is not a key or alias of the local KMS (${this.region}, account ${LOCAL_ACCOUNT_ID}).`);
    }
    return { record, arn: `${arnPrefix}key/${record.keyId}`, material: Buffer.from(record.material, 'base64') };
  }
}
