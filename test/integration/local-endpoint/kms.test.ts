import { createHmac, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  type KMSClient,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LINK_KEY_ALIAS, LocalKms, SEALING_KEY_ALIAS } from '../../../lib/local/aws-endpoint/kms.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';
import { newDataFolder, rawCall, removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

const REGION = 'us-east-1';
const ARN = /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const context = { 'wardflow:stream': 'approval#a1', 'wardflow:version': '3' };
const bytes = (text: string) => Buffer.from(text, 'utf8');
/** The name of the error a call ends with, or 'no error'. */
const outcome = (call: Promise<unknown>) => call.then(() => 'no error', (error: Error) => error.name);

interface StoredKey {
  keyId: string;
  alias: string;
  keySpec: string;
  material: string;
}
const storedKeys = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'keys', 'kms.json'), 'utf8')) as { keys: StoredKey[] }).keys;

afterAll(() => removeDataFolders());

describe('local KMS: keys in the data folder', () => {
  let endpoint: EndpointUnderTest;
  let kms: KMSClient;
  beforeAll(async () => {
    endpoint = await startEndpoint();
    kms = endpoint.kmsClient();
  });
  afterAll(() => endpoint.stop());

  it('creates keys/kms.json (folder 0700, file 0600) with a sealing key and an HMAC link key, named by ARN and alias', async () => {
    expect(statSync(join(endpoint.dataDir, 'keys')).mode & 0o777).toBe(0o700);
    expect(statSync(join(endpoint.dataDir, 'keys', 'kms.json')).mode & 0o777).toBe(0o600);
    const keys = storedKeys(endpoint.dataDir);
    expect(keys.map((k) => [k.alias, k.keySpec]).sort()).toEqual([
      [LINK_KEY_ALIAS, 'HMAC_256'],
      [SEALING_KEY_ALIAS, 'SYMMETRIC_DEFAULT'],
    ]);
    expect(endpoint.kms.sealingKeyArn).toMatch(ARN);
    expect(endpoint.kms.linkKeyArn).toMatch(ARN);
    expect(endpoint.kms.sealingKeyArn).not.toBe(endpoint.kms.linkKeyArn);

    const sealing = (await kms.send(new DescribeKeyCommand({ KeyId: SEALING_KEY_ALIAS }))).KeyMetadata!;
    expect(sealing).toMatchObject({ Arn: endpoint.kms.sealingKeyArn, KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', Enabled: true, KeyState: 'Enabled' });
    expect(sealing.EncryptionAlgorithms).toEqual(['SYMMETRIC_DEFAULT']);
    expect(sealing.CreationDate).toBeInstanceOf(Date);
    const link = (await kms.send(new DescribeKeyCommand({ KeyId: LINK_KEY_ALIAS }))).KeyMetadata!;
    expect(link).toMatchObject({ Arn: endpoint.kms.linkKeyArn, KeyUsage: 'GENERATE_VERIFY_MAC', KeySpec: 'HMAC_256', MacAlgorithms: ['HMAC_SHA_256'] });
  });

  it('resolves a key id, key ARN, alias name and alias ARN to the same key, and nothing else', async () => {
    const keyId = endpoint.kms.sealingKeyArn.split('/')[1]!;
    for (const id of [keyId, endpoint.kms.sealingKeyArn, SEALING_KEY_ALIAS, `arn:aws:kms:${REGION}:000000000000:${SEALING_KEY_ALIAS}`]) {
      expect((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata?.Arn).toBe(endpoint.kms.sealingKeyArn);
      expect((await kms.send(new EncryptCommand({ KeyId: id, Plaintext: bytes('x') }))).KeyId).toBe(endpoint.kms.sealingKeyArn);
    }
    for (const id of ['alias/wardflow-nope', randomUUID(), endpoint.kms.sealingKeyArn.replace(REGION, 'eu-west-1'), `key/${keyId}`]) {
      expect(await outcome(kms.send(new DescribeKeyCommand({ KeyId: id })))).toBe('NotFoundException');
      expect(await outcome(kms.send(new EncryptCommand({ KeyId: id, Plaintext: bytes('x') })))).toBe('NotFoundException');
    }
  });

  it('round-trips Encrypt/Decrypt under an encryption context, returning the key ARN as KeyId', async () => {
    const encrypted = await kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('hello'), EncryptionContext: context }));
    expect(encrypted.KeyId).toBe(endpoint.kms.sealingKeyArn);
    const again = await kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('hello'), EncryptionContext: context }));
    expect(Buffer.from(again.CiphertextBlob!).equals(Buffer.from(encrypted.CiphertextBlob!))).toBe(false);

    const reordered = { 'wardflow:version': '3', 'wardflow:stream': 'approval#a1' };
    for (const keyId of [undefined, SEALING_KEY_ALIAS, endpoint.kms.sealingKeyArn]) {
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: reordered, KeyId: keyId }));
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('hello');
      expect(decrypted.KeyId).toBe(endpoint.kms.sealingKeyArn);
    }
  });

  it('generates data keys by KeySpec or NumberOfBytes, whose ciphertext decrypts to the same key', async () => {
    for (const [request, length] of [[{ KeySpec: 'AES_256' as const }, 32], [{ KeySpec: 'AES_128' as const }, 16], [{ NumberOfBytes: 64 }, 64]] as const) {
      const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: endpoint.kms.sealingKeyArn, EncryptionContext: context, ...request }));
      expect(dataKey.Plaintext?.byteLength).toBe(length);
      expect(dataKey.KeyId).toBe(endpoint.kms.sealingKeyArn);
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(dataKey.Plaintext!))).toBe(true);
    }
    expect(await outcome(kms.send(new GenerateDataKeyCommand({ KeyId: SEALING_KEY_ALIAS, KeySpec: 'AES_256', NumberOfBytes: 32 })))).toBe('ValidationException');
    expect(await outcome(kms.send(new GenerateDataKeyCommand({ KeyId: SEALING_KEY_ALIAS })))).toBe('ValidationException');
    expect(await outcome(kms.send(new GenerateDataKeyCommand({ KeyId: SEALING_KEY_ALIAS, NumberOfBytes: 1025 })))).toBe('ValidationException');
  });

  it('refuses a Decrypt whose encryption context differs in any way, and any altered ciphertext', async () => {
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('hello'), EncryptionContext: context }));
    const decryptWith = (blob: Uint8Array, encryptionContext?: Record<string, string>) =>
      outcome(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: encryptionContext })));
    expect(await decryptWith(CiphertextBlob!, { ...context, 'wardflow:version': '4' })).toBe('InvalidCiphertextException');
    expect(await decryptWith(CiphertextBlob!, { ...context, extra: '' })).toBe('InvalidCiphertextException');
    expect(await decryptWith(CiphertextBlob!, { 'wardflow:stream': 'approval#a1' })).toBe('InvalidCiphertextException');
    expect(await decryptWith(CiphertextBlob!)).toBe('InvalidCiphertextException');
    for (const index of [0, 5, 20, 40, CiphertextBlob!.byteLength - 1]) {
      const altered = Buffer.from(CiphertextBlob!);
      altered[index]! ^= 0x01;
      expect(await decryptWith(altered, context)).toBe('InvalidCiphertextException');
    }
    expect(await decryptWith(bytes('not a ciphertext at all, but long enough to look like one'), context)).toBe('InvalidCiphertextException');
  });

  it('uses each key for its key usage only', async () => {
    const link = endpoint.kms.linkKeyArn;
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: link, Plaintext: bytes('x') })))).toBe('InvalidKeyUsageException');
    expect(await outcome(kms.send(new GenerateDataKeyCommand({ KeyId: LINK_KEY_ALIAS, KeySpec: 'AES_256' })))).toBe('InvalidKeyUsageException');
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('x') }));
    expect(await outcome(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: link })))).toBe('InvalidKeyUsageException');
    expect(await outcome(kms.send(new GenerateMacCommand({ KeyId: SEALING_KEY_ALIAS, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' })))).toBe('InvalidKeyUsageException');
    // An HMAC_256 key computes HMAC_SHA_256 only (AWS: the algorithm must match the key spec).
    expect(await outcome(kms.send(new GenerateMacCommand({ KeyId: link, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_512' })))).toBe('InvalidKeyUsageException');
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })))).toBe(
      'InvalidKeyUsageException',
    );
  });

  it('computes HMAC-SHA-256 with the stored key and verifies only the exact MAC of the exact message', async () => {
    const message = bytes('approval=a1&approver=ap-7&expires=1767225600');
    const generated = await kms.send(new GenerateMacCommand({ KeyId: LINK_KEY_ALIAS, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(generated).toMatchObject({ KeyId: endpoint.kms.linkKeyArn, MacAlgorithm: 'HMAC_SHA_256' });
    // An independent computation from the key file: the MAC really is HMAC-SHA-256 under that key.
    const material = Buffer.from(storedKeys(endpoint.dataDir).find((k) => k.alias === LINK_KEY_ALIAS)!.material, 'base64');
    expect(Buffer.from(generated.Mac!).equals(createHmac('sha256', material).update(message).digest())).toBe(true);

    const verified = await kms.send(new VerifyMacCommand({ KeyId: endpoint.kms.linkKeyArn, Message: message, Mac: generated.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(verified).toMatchObject({ KeyId: endpoint.kms.linkKeyArn, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' });

    const tampered = Buffer.from(generated.Mac!);
    tampered[31]! ^= 0x80;
    const verify = (mac: Uint8Array, text = message) => outcome(kms.send(new VerifyMacCommand({ KeyId: LINK_KEY_ALIAS, Message: text, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' })));
    expect(await verify(tampered)).toBe('KMSInvalidMacException');
    expect(await verify(generated.Mac!.subarray(0, 16))).toBe('KMSInvalidMacException');
    expect(await verify(generated.Mac!, bytes('approval=a1&approver=ap-8&expires=1767225600'))).toBe('KMSInvalidMacException');
  });

  it('answers DryRun after the same checks, and refuses oversized or empty plaintext', async () => {
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('x'), DryRun: true })))).toBe('DryRunOperationException');
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: LINK_KEY_ALIAS, Plaintext: bytes('x'), DryRun: true })))).toBe('InvalidKeyUsageException');
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: Buffer.alloc(4097) })))).toBe('ValidationException');
    expect(await outcome(kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: Buffer.alloc(0) })))).toBe('ValidationException');
  });
});

describe('local KMS: a planted plaintext never leaves in clear', () => {
  let endpoint: EndpointUnderTest;
  afterEach(() => endpoint?.stop());

  it('is not in the ciphertext, in any error body, in the log or in any file of the data folder', async () => {
    endpoint = await startEndpoint();
    const kms = endpoint.kmsClient();
    const planted = bytes(PLANTED_SECRET);
    const plantedB64 = planted.toString('base64');
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: planted, EncryptionContext: context }));
    const blob = Buffer.from(CiphertextBlob!);
    expect(blob.includes(planted)).toBe(false);
    expect(blob.toString('base64')).not.toContain(plantedB64);

    const target = (operation: string) => `TrentService.${operation}`;
    const answers = await Promise.all([
      rawCall(endpoint.aws.endpoint, target('Encrypt'), { KeyId: LINK_KEY_ALIAS, Plaintext: plantedB64 }),
      rawCall(endpoint.aws.endpoint, target('Encrypt'), { KeyId: 'alias/missing', Plaintext: plantedB64 }),
      rawCall(endpoint.aws.endpoint, target('Encrypt'), { KeyId: PLANTED_SECRET, Plaintext: plantedB64 }),
      rawCall(endpoint.aws.endpoint, target('Encrypt'), { KeyId: SEALING_KEY_ALIAS, Plaintext: Buffer.concat([planted, Buffer.alloc(4096)]).toString('base64') }),
      rawCall(endpoint.aws.endpoint, target('Encrypt'), { KeyId: SEALING_KEY_ALIAS, Plaintext: plantedB64, EncryptionContext: { k: 42 } }),
      rawCall(endpoint.aws.endpoint, target('Decrypt'), { CiphertextBlob: blob.toString('base64'), EncryptionContext: { ...context, 'wardflow:version': PLANTED_SECRET } }),
      rawCall(endpoint.aws.endpoint, target('Decrypt'), { CiphertextBlob: plantedB64 }),
      rawCall(endpoint.aws.endpoint, target('GenerateMac'), { KeyId: SEALING_KEY_ALIAS, Message: plantedB64, MacAlgorithm: 'HMAC_SHA_256' }),
      rawCall(endpoint.aws.endpoint, target('VerifyMac'), { KeyId: LINK_KEY_ALIAS, Message: plantedB64, Mac: plantedB64, MacAlgorithm: 'HMAC_SHA_256' }),
      rawCall(endpoint.aws.endpoint, target('VerifyMac'), { KeyId: LINK_KEY_ALIAS, Message: plantedB64, Mac: PLANTED_SECRET, MacAlgorithm: 'HMAC_SHA_256' }),
    ]);
    expect(answers.map((a) => a.json.__type)).toEqual([
      'InvalidKeyUsageException',
      'NotFoundException',
      'NotFoundException',
      'ValidationException',
      'SerializationException',
      'InvalidCiphertextException',
      'InvalidCiphertextException',
      'InvalidKeyUsageException',
      'KMSInvalidMacException',
      'SerializationException',
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain(PLANTED_SECRET);
      expect(answer.text).not.toContain(plantedB64);
    }
    expect(endpoint.logged).toEqual([]);
    for (const file of readdirSync(endpoint.dataDir, { recursive: true, encoding: 'utf8' })) {
      const path = join(endpoint.dataDir, file);
      if (statSync(path).isFile()) expect(readFileSync(path).includes(planted)).toBe(false);
    }
  });
});

describe('local KMS: keys survive a restart', () => {
  it('a new endpoint on the same folder has the same ARNs, decrypts old ciphertext and verifies old MACs', async () => {
    const dataDir = newDataFolder();
    const first = await startEndpoint({ dataDir });
    const before = readFileSync(join(dataDir, 'keys', 'kms.json'), 'utf8');
    const { CiphertextBlob } = await first.kmsClient().send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('kept'), EncryptionContext: context }));
    const { Mac } = await first.kmsClient().send(new GenerateMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('link'), MacAlgorithm: 'HMAC_SHA_256' }));
    const arns = [first.kms.sealingKeyArn, first.kms.linkKeyArn];
    await first.stop();

    const second = await startEndpoint({ dataDir });
    try {
      expect([second.kms.sealingKeyArn, second.kms.linkKeyArn]).toEqual(arns);
      expect(readFileSync(join(dataDir, 'keys', 'kms.json'), 'utf8')).toBe(before);
      const decrypted = await second.kmsClient().send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('kept');
      const verified = await second.kmsClient().send(new VerifyMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('link'), Mac, MacAlgorithm: 'HMAC_SHA_256' }));
      expect(verified.MacValid).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('a ciphertext of one symmetric key given with another key id is IncorrectKeyException; a blob of another folder does not open', async () => {
    const dataDir = newDataFolder();
    LocalKms.open(dataDir, REGION);
    // A third key, as an operator might add one: the file keeps it, and Decrypt must tell the keys apart.
    const keys = storedKeys(dataDir);
    const other = { ...keys.find((k) => k.alias === SEALING_KEY_ALIAS)!, keyId: randomUUID(), alias: 'alias/wardflow-local-other', material: Buffer.alloc(32, 7).toString('base64') };
    writeFileSync(join(dataDir, 'keys', 'kms.json'), JSON.stringify({ format: 1, keys: [...keys, other] }));
    const endpoint = await startEndpoint({ dataDir });
    const elsewhere = await startEndpoint();
    try {
      const kms = endpoint.kmsClient();
      const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: 'alias/wardflow-local-other', Plaintext: bytes('x') }));
      expect(await outcome(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: SEALING_KEY_ALIAS })))).toBe('IncorrectKeyException');
      expect(await outcome(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: 'alias/wardflow-local-other' })))).toBe('no error');
      expect(await outcome(elsewhere.kmsClient().send(new DecryptCommand({ CiphertextBlob })))).toBe('InvalidCiphertextException');
    } finally {
      await endpoint.stop();
      await elsewhere.stop();
    }
  });

  it('refuses a damaged key file with a message that names the field, never the key material', () => {
    const dataDir = newDataFolder();
    LocalKms.open(dataDir, REGION);
    const keys = storedKeys(dataDir);
    const damaged = keys.map((k, i) => (i === 0 ? { ...k, material: k.material.slice(4) } : k));
    writeFileSync(join(dataDir, 'keys', 'kms.json'), JSON.stringify({ format: 1, keys: damaged }));
    let message = '';
    try {
      LocalKms.open(dataDir, REGION);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('keys.0.material');
    expect(message).toContain('Restore it from a backup');
    for (const key of damaged) expect(message).not.toContain(key.material);
  });
});
