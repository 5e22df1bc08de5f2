import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  KMSClient,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_KEY_ALIAS, LocalKms, SEALING_KEY_ALIAS } from '../../../lib/local/aws-endpoint/kms.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { newDataFolder, removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

/**
 * One KMS contract, two judges: the local endpoint and moto (which nobody here wrote). Each
 * case states the outcome AWS documents; both judges must give it. Where moto departs from
 * AWS's documented behaviour the case says so (`moto`) and the moto run expects moto's
 * answer, so a moto release that fixes it makes this test ask for the note to be removed.
 */
const OTHER_KEY_ALIAS = 'alias/wardflow-contract-other';
const context = { 'wardflow:stream': 'execution#e1', 'wardflow:version': '7' };
const bytes = (text: string) => Buffer.from(text, 'utf8');

interface Judge {
  kms: KMSClient;
  sealingKeyArn: string;
  linkKeyArn: string;
}

interface ContractCase {
  name: string;
  /** 'ok' after checking the answer, or the name of the error the call ended with. */
  run(judge: Judge): Promise<string>;
  /** AWS's documented outcome. */
  aws: string;
  /** Where moto 5 differs from AWS: its outcome and why we follow AWS locally. */
  moto?: { outcome: string; note: string };
}

const settle = async (call: () => Promise<string>): Promise<string> => {
  try {
    return await call();
  } catch (error) {
    return (error as Error).name;
  }
};

async function sealed(judge: Judge): Promise<Uint8Array> {
  const { CiphertextBlob } = await judge.kms.send(new EncryptCommand({ KeyId: SEALING_KEY_ALIAS, Plaintext: bytes('contract'), EncryptionContext: context }));
  return CiphertextBlob!;
}

async function macOf(judge: Judge, message: string): Promise<Uint8Array> {
  return (await judge.kms.send(new GenerateMacCommand({ KeyId: judge.linkKeyArn, Message: bytes(message), MacAlgorithm: 'HMAC_SHA_256' }))).Mac!;
}

const CASES: ContractCase[] = [
  {
    name: 'Encrypt then Decrypt under the same context gives the plaintext and the key ARN',
    aws: 'ok',
    run: (judge) =>
      settle(async () => {
        const decrypted = await judge.kms.send(new DecryptCommand({ CiphertextBlob: await sealed(judge), EncryptionContext: { ...context } }));
        if (Buffer.from(decrypted.Plaintext!).toString() !== 'contract') return 'wrong plaintext';
        return decrypted.KeyId === judge.sealingKeyArn ? 'ok' : 'KeyId is not the key ARN';
      }),
  },
  {
    name: 'Decrypt with a changed context value is refused',
    aws: 'InvalidCiphertextException',
    run: (judge) => settle(async () => (await judge.kms.send(new DecryptCommand({ CiphertextBlob: await sealed(judge), EncryptionContext: { ...context, 'wardflow:version': '8' } })), 'ok')),
  },
  {
    name: 'Decrypt with an extra context key is refused',
    aws: 'InvalidCiphertextException',
    run: (judge) => settle(async () => (await judge.kms.send(new DecryptCommand({ CiphertextBlob: await sealed(judge), EncryptionContext: { ...context, more: 'x' } })), 'ok')),
  },
  {
    name: 'Decrypt without the context is refused',
    aws: 'InvalidCiphertextException',
    run: (judge) => settle(async () => (await judge.kms.send(new DecryptCommand({ CiphertextBlob: await sealed(judge) })), 'ok')),
  },
  {
    name: 'Decrypt of a ciphertext with its last byte altered is refused',
    aws: 'InvalidCiphertextException',
    run: (judge) =>
      settle(async () => {
        const altered = Buffer.from(await sealed(judge));
        altered[altered.byteLength - 1]! ^= 0x01;
        await judge.kms.send(new DecryptCommand({ CiphertextBlob: altered, EncryptionContext: context }));
        return 'ok';
      }),
  },
  {
    name: 'Decrypt naming another symmetric key than the ciphertext\'s is refused',
    aws: 'IncorrectKeyException',
    moto: { outcome: 'AccessDeniedException', note: 'moto 5 answers AccessDeniedException; AWS documents IncorrectKeyException for a KeyId that did not encrypt the ciphertext' },
    run: (judge) => settle(async () => (await judge.kms.send(new DecryptCommand({ CiphertextBlob: await sealed(judge), EncryptionContext: context, KeyId: OTHER_KEY_ALIAS })), 'ok')),
  },
  {
    name: 'GenerateDataKey under a context: its ciphertext decrypts to its plaintext under that context only',
    aws: 'ok',
    run: (judge) =>
      settle(async () => {
        const key = await judge.kms.send(new GenerateDataKeyCommand({ KeyId: SEALING_KEY_ALIAS, KeySpec: 'AES_256', EncryptionContext: context }));
        const opened = await judge.kms.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context }));
        if (!Buffer.from(opened.Plaintext!).equals(Buffer.from(key.Plaintext!)) || key.Plaintext!.byteLength !== 32) return 'wrong data key';
        const wrong = await settle(async () => (await judge.kms.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: {} })), 'ok'));
        return wrong === 'InvalidCiphertextException' ? 'ok' : `data key opened without its context (${wrong})`;
      }),
  },
  {
    name: 'GenerateMac then VerifyMac of the same message is valid',
    aws: 'ok',
    run: (judge) =>
      settle(async () => {
        const mac = await macOf(judge, 'approval=a1');
        const verified = await judge.kms.send(new VerifyMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('approval=a1'), Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }));
        return verified.MacValid === true && verified.MacAlgorithm === 'HMAC_SHA_256' ? 'ok' : 'not valid';
      }),
  },
  {
    name: 'GenerateMac answers the key ARN as KeyId',
    aws: 'ok',
    moto: { outcome: 'KeyId is not the key ARN', note: 'moto 5 answers the bare key id; AWS documents the key ARN' },
    run: (judge) =>
      settle(async () => {
        const answer = await judge.kms.send(new GenerateMacCommand({ KeyId: judge.linkKeyArn, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }));
        return answer.KeyId === judge.linkKeyArn ? 'ok' : 'KeyId is not the key ARN';
      }),
  },
  {
    name: 'VerifyMac of a tampered MAC is refused',
    aws: 'KMSInvalidMacException',
    run: (judge) =>
      settle(async () => {
        const mac = Buffer.from(await macOf(judge, 'approval=a1'));
        mac[0]! ^= 0x01;
        await judge.kms.send(new VerifyMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('approval=a1'), Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }));
        return 'ok';
      }),
  },
  {
    name: 'VerifyMac of another message is refused',
    aws: 'KMSInvalidMacException',
    run: (judge) =>
      settle(async () => {
        const mac = await macOf(judge, 'approval=a1');
        await judge.kms.send(new VerifyMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('approval=a2'), Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }));
        return 'ok';
      }),
  },
  {
    name: 'GenerateMac with an ENCRYPT_DECRYPT key is refused',
    aws: 'InvalidKeyUsageException',
    run: (judge) => settle(async () => (await judge.kms.send(new GenerateMacCommand({ KeyId: SEALING_KEY_ALIAS, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' })), 'ok')),
  },
  {
    name: 'Encrypt with a GENERATE_VERIFY_MAC key is refused',
    aws: 'InvalidKeyUsageException',
    moto: { outcome: 'ok', note: 'moto 5 encrypts with an HMAC key; AWS refuses any key whose KeyUsage is not ENCRYPT_DECRYPT' },
    run: (judge) => settle(async () => (await judge.kms.send(new EncryptCommand({ KeyId: LINK_KEY_ALIAS, Plaintext: bytes('x') })), 'ok')),
  },
  {
    name: 'GenerateMac with an algorithm the HMAC_256 key does not support is refused',
    aws: 'InvalidKeyUsageException',
    moto: { outcome: 'ok', note: 'moto 5 computes HMAC_SHA_512 with an HMAC_256 key; AWS requires the algorithm of the key spec' },
    run: (judge) => settle(async () => (await judge.kms.send(new GenerateMacCommand({ KeyId: LINK_KEY_ALIAS, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_512' })), 'ok')),
  },
  {
    name: 'DescribeKey resolves an alias name to the key ARN; an unknown alias is not found',
    aws: 'NotFoundException',
    run: (judge) =>
      settle(async () => {
        const described = await judge.kms.send(new DescribeKeyCommand({ KeyId: SEALING_KEY_ALIAS }));
        if (described.KeyMetadata?.Arn !== judge.sealingKeyArn) return 'alias did not resolve';
        await judge.kms.send(new DescribeKeyCommand({ KeyId: 'alias/wardflow-contract-missing' }));
        return 'ok';
      }),
  },
];

function kmsContract(judgeName: 'local' | 'moto', judge: () => Judge): void {
  for (const contractCase of CASES) {
    const expected = judgeName === 'moto' && contractCase.moto ? contractCase.moto.outcome : contractCase.aws;
    const note = judgeName === 'moto' && contractCase.moto ? ` [moto differs from AWS: ${contractCase.moto.note}]` : '';
    it(`${contractCase.name} → ${expected}${note}`, async () => {
      expect(await contractCase.run(judge())).toBe(expected);
    });
  }
}

describe('KMS contract (against the local endpoint)', () => {
  let endpoint: EndpointUnderTest;
  let judge: Judge;
  beforeAll(async () => {
    const dataDir = newDataFolder();
    LocalKms.open(dataDir, TEST_REGION);
    // The contract needs a second symmetric key; the key file keeps keys added to it.
    const file = join(dataDir, 'keys', 'kms.json');
    const keyFile = JSON.parse(readFileSync(file, 'utf8')) as { format: 1; keys: { alias: string; keyId: string; material: string }[] };
    const sealing = keyFile.keys.find((k) => k.alias === SEALING_KEY_ALIAS)!;
    keyFile.keys.push({ ...sealing, alias: OTHER_KEY_ALIAS, keyId: randomUUID(), material: Buffer.alloc(32, 9).toString('base64') });
    writeFileSync(file, JSON.stringify(keyFile));
    endpoint = await startEndpoint({ dataDir });
    judge = { kms: endpoint.kmsClient(), sealingKeyArn: endpoint.kms.sealingKeyArn, linkKeyArn: endpoint.kms.linkKeyArn };
  });
  afterAll(async () => {
    await endpoint?.stop();
    removeDataFolders();
  });
  kmsContract('local', () => judge);
});

describeWithMoto('KMS contract', (moto) => {
  let judge: Judge;
  beforeAll(async () => {
    const kms = new KMSClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const keyWithAlias = async (alias: string, spec: 'SYMMETRIC_DEFAULT' | 'HMAC_256') => {
      const key = (await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT' }))).KeyMetadata!;
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));
      return key.Arn!;
    };
    const sealingKeyArn = await keyWithAlias(SEALING_KEY_ALIAS, 'SYMMETRIC_DEFAULT');
    const linkKeyArn = await keyWithAlias(LINK_KEY_ALIAS, 'HMAC_256');
    await keyWithAlias(OTHER_KEY_ALIAS, 'SYMMETRIC_DEFAULT');
    judge = { kms, sealingKeyArn, linkKeyArn };
  });
  afterAll(() => judge?.kms.destroy());
  kmsContract('moto', () => judge);
});
