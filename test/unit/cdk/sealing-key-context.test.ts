import { randomBytes } from 'node:crypto';
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { approvalStream, executionStream } from '../../../functions/shared/events/event.js';
import { synthWardflow, templateOf } from './synth.js';

// moto does not judge this: its KMS evaluates key-policy Deny statements only, ignoring
// conditions, and never evaluates a caller's IAM policy. So the proof is in two halves: the
// template carries the conditions, and the calls our sealer really makes satisfy them (and
// calls it must not make do not), judged by a small evaluator of exactly the operators used.

type Conditions = Record<string, Record<string, string | string[]>>;

const CONTEXT_CONDITIONS: Conditions = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['wardflow:stream', 'wardflow:version'] },
  Null: { 'kms:EncryptionContextKeys': 'false', 'kms:EncryptionContext:wardflow:version': 'false' },
  StringLike: { 'kms:EncryptionContext:wardflow:stream': ['execution#*', 'approval#*'] },
};

let dev: Template;
let prod: Template;
beforeAll(() => {
  const app = synthWardflow();
  dev = templateOf(app, 'dev');
  prod = templateOf(app, 'prod');
});

type Statement = { Sid?: string; Action: string | string[]; Condition?: Conditions; Resource: unknown };
const statementsOf = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const sealStatements = (template: Template) => statementsOf(template).filter((s) => s.Sid === 'SealEventFields');

/**
 * Whether a KMS request with `encryptionContext` satisfies `conditions`, as IAM evaluates the
 * operators this grant uses. Any other operator fails the test: teach it here first.
 */
function allows(conditions: Conditions, encryptionContext: Record<string, string> | undefined): boolean {
  const keys = Object.keys(encryptionContext ?? {});
  const valueOf = (conditionKey: string): string[] | undefined => {
    if (conditionKey === 'kms:EncryptionContextKeys') return keys.length === 0 ? undefined : keys;
    const prefix = 'kms:EncryptionContext:';
    if (!conditionKey.startsWith(prefix)) throw new Error(`test evaluator: unknown condition key ${conditionKey}`);
    const value = encryptionContext?.[conditionKey.slice(prefix.length)];
    return value === undefined ? undefined : [value];
  };
  const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return Object.entries(conditions).every(([operator, block]) =>
    Object.entries(block).every(([conditionKey, expected]) => {
      const wanted = Array.isArray(expected) ? expected : [expected];
      const actual = valueOf(conditionKey);
      switch (operator) {
        case 'ForAllValues:StringEquals':
          return (actual ?? []).every((v) => wanted.includes(v));
        case 'Null':
          return (actual === undefined) === (wanted[0] === 'true');
        case 'StringLike':
          return actual !== undefined && actual.some((v) => wanted.some((p) => glob(p).test(v)));
        default:
          throw new Error(`test evaluator: unsupported operator ${operator}`);
      }
    }),
  );
}

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('sealing key grant in %s', (_env, template) => {
  it('binds GenerateDataKey and Decrypt on the sealing key to the sealer\'s encryption context', () => {
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'SealEventFields',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysSealingKey'), 'Arn'] },
            Condition: Match.exact(CONTEXT_CONDITIONS),
          }),
        ]),
      },
    });
  });

  it('puts the same conditions on every step, and no step may DescribeKey (DATA_KEY_ID is the key ARN)', () => {
    const seal = sealStatements(template());
    expect(seal).toHaveLength(8);
    for (const statement of seal) expect(statement.Condition).toEqual(CONTEXT_CONDITIONS);
    const actions = statementsOf(template()).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).not.toContain('kms:DescribeKey');
    // Nothing else grants the sealing key without the context.
    const sealingKeyGrants = statementsOf(template()).filter((s) => JSON.stringify(s.Resource).includes('KeysSealingKey'));
    expect(sealingKeyGrants.map((s) => s.Sid)).toEqual(seal.map(() => 'SealEventFields'));
  });
});

describe('the KMS calls the sealer makes, judged by the synthesized conditions', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const kms = mockClient(KMSClient);
  afterAll(() => kms.restore());

  /** Seals and opens once per stream kind through a KMS stub, returning the requests KMS got. */
  async function recordedRequests(cacheMaxAgeSeconds: number) {
    kms.reset();
    const dataKey = randomBytes(32);
    kms.on(GenerateDataKeyCommand).resolves({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey), CiphertextBlob: Buffer.from('wrapped-data-key') });
    kms.on(DecryptCommand).resolves({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey) });
    const sealer = EncryptionSdkSealer.kms({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }), cacheMaxAgeSeconds });
    for (const context of [{ stream: executionStream('exec-1'), version: 3 }, { stream: approvalStream('exec-1-1'), version: 1 }]) {
      const sealed = await sealer.seal({ taskToken: 'token' }, context);
      expect(await sealer.open(sealed, context)).toEqual({ taskToken: 'token' });
    }
    return kms.calls().map((call) => ({
      command: call.args[0].constructor.name,
      context: (call.args[0].input as { EncryptionContext?: Record<string, string> }).EncryptionContext,
    }));
  }

  it.each([0, 60])('sends only wardflow:stream and wardflow:version, which the grant allows (cache %ss)', async (cache) => {
    const conditions = sealStatements(dev)[0]!.Condition!;
    const requests = await recordedRequests(cache);
    expect(requests.map((r) => r.command).sort()).toEqual(['DecryptCommand', 'DecryptCommand', 'GenerateDataKeyCommand', 'GenerateDataKeyCommand']);
    for (const request of requests) {
      expect(Object.keys(request.context ?? {}).sort()).toEqual(['wardflow:stream', 'wardflow:version']);
      expect(allows(conditions, request.context), JSON.stringify(request.context)).toBe(true);
    }
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('refuses what the sealer never sends: no context, an extra key, a missing version, another stream', () => {
    const conditions = sealStatements(dev)[0]!.Condition!;
    const good = { 'wardflow:stream': 'execution#exec-1', 'wardflow:version': '3' };
    expect(allows(conditions, good)).toBe(true);
    expect(allows(conditions, { ...good, 'wardflow:stream': 'approval#exec-1-1' })).toBe(true);
    expect(allows(conditions, undefined)).toBe(false);
    expect(allows(conditions, {})).toBe(false);
    expect(allows(conditions, { ...good, 'aws-crypto-public-key': 'AkF...' })).toBe(false);
    expect(allows(conditions, { 'wardflow:stream': 'execution#exec-1' })).toBe(false);
    expect(allows(conditions, { 'wardflow:version': '3' })).toBe(false);
    expect(allows(conditions, { ...good, 'wardflow:stream': 'audit#batch-1' })).toBe(false);
    expect(allows(conditions, { ...good, 'wardflow:stream': 'xexecution#exec-1' })).toBe(false);
  });
});
