import { AwsProtocolError } from './protocol-error.js';
import { MAC_ALGORITHMS, type LocalKms, type MacAlgorithm } from './kms.js';
import { base64, epochSeconds, optionalEnum, optionalInteger, requiredBlob, requiredString, stringMap, type Operation, type OperationTable, type WireObject } from './wire.js';

// AWS KMS bounds on blobs (API reference).
const PLAINTEXT = { minBytes: 1, maxBytes: 4096 };
const CIPHERTEXT = { minBytes: 1, maxBytes: 6144 };
const MAC = { minBytes: 1, maxBytes: 6144 };

/**
 * The KMS operations (AWS JSON 1.1, `X-Amz-Target: TrentService.<Operation>`) the local AWS
 * endpoint answers: DescribeKey, Encrypt, Decrypt, GenerateDataKey, GenerateMac, VerifyMac.
 * Blobs are base64 and timestamps epoch seconds on the wire, as AWS sends them. GrantTokens
 * are accepted and ignored (no grants locally); DryRun answers DryRunOperationException
 * after the same checks a real call makes.
 *
 * @example
 * const operations = kmsOperations(LocalKms.open(dataDir, 'us-east-1'));
 * await operations.get('DescribeKey')?.({ KeyId: 'alias/wardflow-local-sealing' });
 */
export function kmsOperations(kms: LocalKms): OperationTable {
  return new Map<string, Operation>([
    ['DescribeKey', (request) => {
      const metadata = kms.describeKey(requiredString(request, 'KeyId'));
      return { KeyMetadata: { ...metadata, CreationDate: epochSeconds(metadata.CreationDate) } };
    }],
    ['Encrypt', dryRunnable((request) => {
      symmetricAlgorithmOnly(request);
      const { ciphertextBlob, keyArn } = kms.encrypt({
        keyId: requiredString(request, 'KeyId'),
        plaintext: requiredBlob(request, 'Plaintext', PLAINTEXT),
        encryptionContext: stringMap(request, 'EncryptionContext'),
      });
      return { CiphertextBlob: base64(ciphertextBlob), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    })],
    ['GenerateDataKey', dryRunnable((request) => {
      noRecipient(request);
      const { plaintext, ciphertextBlob, keyArn } = kms.generateDataKey({
        keyId: requiredString(request, 'KeyId'),
        keySpec: optionalEnum(request, 'KeySpec', ['AES_256', 'AES_128'] as const),
        numberOfBytes: optionalInteger(request, 'NumberOfBytes', { min: 1, max: 1024 }),
        encryptionContext: stringMap(request, 'EncryptionContext'),
      });
      return { CiphertextBlob: base64(ciphertextBlob), Plaintext: base64(plaintext), KeyId: keyArn };
    })],
    ['Decrypt', dryRunnable((request) => {
      noRecipient(request);
      symmetricAlgorithmOnly(request);
      const keyId = request.KeyId === undefined || request.KeyId === null ? undefined : requiredString(request, 'KeyId');
      const { plaintext, keyArn } = kms.decrypt({
        ciphertextBlob: requiredBlob(request, 'CiphertextBlob', CIPHERTEXT),
        encryptionContext: stringMap(request, 'EncryptionContext'),
        keyId,
      });
      return { KeyId: keyArn, Plaintext: base64(plaintext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    })],
    ['GenerateMac', dryRunnable((request) => {
      const { mac, keyArn, macAlgorithm } = kms.generateMac({
        keyId: requiredString(request, 'KeyId'),
        message: requiredBlob(request, 'Message', PLAINTEXT),
        macAlgorithm: macAlgorithmOf(request),
      });
      return { Mac: base64(mac), MacAlgorithm: macAlgorithm, KeyId: keyArn };
    })],
    ['VerifyMac', dryRunnable((request) => {
      const { keyArn, macAlgorithm } = kms.verifyMac({
        keyId: requiredString(request, 'KeyId'),
        message: requiredBlob(request, 'Message', PLAINTEXT),
        mac: requiredBlob(request, 'Mac', MAC),
        macAlgorithm: macAlgorithmOf(request),
      });
      return { KeyId: keyArn, MacValid: true, MacAlgorithm: macAlgorithm };
    })],
  ]);
}

/** Runs the operation's checks; with DryRun it then answers as AWS does instead of the result. */
function dryRunnable(operation: (request: WireObject) => object): Operation {
  return (request) => {
    const result = operation(request);
    if (request.DryRun === true) {
      throw new AwsProtocolError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412);
    }
    return result;
  };
}

function macAlgorithmOf(request: WireObject): MacAlgorithm {
  const algorithm = optionalEnum(request, 'MacAlgorithm', MAC_ALGORITHMS);
  if (algorithm === undefined) throw new AwsProtocolError('ValidationException', 'MacAlgorithm is required.');
  return algorithm;
}

/** The local keys are symmetric: the RSA and SM2 algorithms belong to asymmetric keys. */
function symmetricAlgorithmOnly(request: WireObject): void {
  const algorithm = optionalEnum(request, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const);
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new AwsProtocolError('InvalidKeyUsageException', `${algorithm} needs an asymmetric key; the local KMS keys are SYMMETRIC_DEFAULT.`);
  }
}

/** Nitro Enclaves attestation (Recipient) cannot be honoured locally; refuse rather than return plaintext. */
function noRecipient(request: WireObject): void {
  if (request.Recipient !== undefined && request.Recipient !== null) {
    throw new AwsProtocolError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by the local KMS.');
  }
}
