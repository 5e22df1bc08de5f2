import { AsyncLocalStorage } from 'node:async_hooks';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { KmsKeyringNodeInput } from '@aws-crypto/client-node';
import { ConfigurationInvalid } from '../errors.js';

type EsdkKmsClient = ReturnType<NonNullable<KmsKeyringNodeInput['clientProvider']>> & object;

/** What KMS said when a call failed for a reason other than a bad ciphertext. */
export interface KmsFailure {
  errorName?: string;
}

/**
 * KMS errors that mean "this ciphertext is wrong for this key and context": tampering,
 * a swapped ciphertext or the wrong key. Everything else (access denied, throttling, a
 * disabled key, the network) says nothing about the data and must not be reported as tamper.
 */
const CIPHERTEXT_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * The Encryption SDK swallows KMS errors into one concatenated message; this lets the
 * sealer learn, per open() call, whether KMS itself failed (see `runRecordingKmsFailures`).
 */
const failures = new AsyncLocalStorage<KmsFailure>();

/** Runs `fn` and records in the returned holder any non-ciphertext KMS failure it met. */
export async function runRecordingKmsFailures<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; kms: KmsFailure }> {
  const kms: KmsFailure = {};
  try {
    return { result: await failures.run(kms, fn), kms };
  } catch (error) {
    return { error, kms };
  }
}

/**
 * Adapts an AWS SDK v3 `KMSClient` (which only has `send`) to the method-style client the
 * Encryption SDK's KMS keyring calls, so the caller's endpoint, region and credentials are
 * used as they are (AWS, moto, LocalStack).
 *
 * @example
 * new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => esdkKmsClient(kms) });
 */
export function esdkKmsClient(client: KMSClient): EsdkKmsClient {
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const name = (error as { name?: string } | null)?.name ?? 'Error';
      const record = failures.getStore();
      if (record && !CIPHERTEXT_ERRORS.has(name)) record.errorName ??= name;
      throw error;
    }
  };
  return {
    generateDataKey: (args) => call(() => client.send(new GenerateDataKeyCommand(args))),
    encrypt: (args) => call(() => client.send(new EncryptCommand(args))),
    decrypt: (args) => call(() => client.send(new DecryptCommand(args))),
  } as EsdkKmsClient;
}

/**
 * The key ARN for `keyId` (a key id, key ARN, alias name or alias ARN). The Encryption SDK
 * decrypts only with keys named by ARN, because messages record the key's ARN.
 * Costs one DescribeKey call unless `keyId` is already a key ARN.
 *
 * @example
 * const arn = await resolveKeyArn(kms, 'alias/wardflow-dev-data');
 */
export async function resolveKeyArn(client: KMSClient, keyId: string): Promise<string> {
  if (/^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\//.test(keyId)) return keyId;
  const described = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  const arn = described.KeyMetadata?.Arn;
  if (arn === undefined) throw new ConfigurationInvalid(`KMS DescribeKey returned no ARN for the data key ${keyId}`);
  return arn;
}
