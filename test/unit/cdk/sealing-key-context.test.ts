import { randomBytes } from 'node:crypto';
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { approvalStream, executionStream } from '../../../functions/shared/events/event.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { actionList, devAndProdTemplates, platformFunctionOf, type PolicyStatementJson, servedWorkflowsOf, statementsOf, stepFunctionsOf } from './synth.js';
import { streamPatterns } from './workflow-expectations.js';

// moto does not judge this: its KMS evaluates key-policy Deny statements only, ignoring
// conditions, and never evaluates a caller's IAM policy. So the proof is in two halves: the
// template carries the conditions, and the calls our sealer really makes satisfy them (and
// calls it must not make do not), judged by a small evaluator of exactly the operators used.

type Conditions = Record<string, Record<string, string | string[]>>;

/** The conditions a sealing-key statement carries, for the given stream patterns. */
const contextConditions = (streams: string[]): Conditions => ({
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['wardflow:stream', 'wardflow:version'] },
  Null: { 'kms:EncryptionContextKeys': 'false', 'kms:EncryptionContext:wardflow:version': 'false' },
  StringLike: { 'kms:EncryptionContext:wardflow:stream': streams },
});

/**
 * Which stream kinds each function seals into (GenerateDataKey) and opens (Decrypt): a workflow's
 * steps as declared (`seal`, `open`), the platform's functions as their handlers do (record-start
 * seals the input; request-approval the task token, and opens it to deliver a decision on a retried
 * gate; record-decision and the approval page the comment, and open the task token). Derived from
 * the registered workflows (synth.ts), so a new workflow's steps are held to their declarations too.
 */
const SEALING: Record<string, { seal: string[]; open: string[] }> = Object.fromEntries(
  stepFunctionsOf().map((fn) => [fn.name, { seal: streamPatterns(fn.access.seal, servedWorkflowsOf(fn)), open: streamPatterns(fn.access.open, servedWorkflowsOf(fn)) }]),
);
/** The kinds each function seals and opens, and the workflows whose streams it serves. */
const DECLARED: Record<string, { seal: readonly string[]; open: readonly string[]; workflows: string[] }> = Object.fromEntries(
  stepFunctionsOf().map((fn) => [fn.name, { seal: fn.access.seal, open: fn.access.open, workflows: servedWorkflowsOf(fn) }]),
);
const FUNCTION_NAMES = Object.keys(SEALING);

let dev: Template;
let prod: Template;
beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

const allStatementsOf = (template: Template): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties.PolicyDocument.Statement,
  );
const SEALING_SIDS = ['SealEventFields', 'OpenSealedFields'];

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

/** Whether any of a role's statements lets it call `action` on the sealing key with `encryptionContext`. */
function roleAllows(statements: PolicyStatementJson[], action: string, encryptionContext: Record<string, string> | undefined): boolean {
  return statements
    .filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('KeysSealingKey') && actionList(s).includes(action))
    .some((s) => allows(s.Condition ?? {}, encryptionContext));
}

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('sealing key grants in %s', (_env, template) => {
  it.each(FUNCTION_NAMES)('gives %s GenerateDataKey and Decrypt only for the stream kinds it seals and opens', (step) => {
    const statements = statementsOf(template(), step);
    const sid = (id: string) => statements.filter((s) => s.Sid === id);
    const { seal, open } = SEALING[step]!;
    if (seal.length === 0) expect(sid('SealEventFields')).toEqual([]);
    else {
      expect(sid('SealEventFields')).toEqual([
        {
          Sid: 'SealEventFields',
          Effect: 'Allow',
          Action: 'kms:GenerateDataKey',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
          Condition: contextConditions(seal),
        },
      ]);
    }
    if (open.length === 0) expect(sid('OpenSealedFields')).toEqual([]);
    else {
      expect(sid('OpenSealedFields')).toEqual([
        {
          Sid: 'OpenSealedFields',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
          Condition: contextConditions(open),
        },
      ]);
    }
  });

  it('grants the sealing key nowhere else, always with the context, and no step may DescribeKey (DATA_KEY_ID is the key ARN)', () => {
    const all = allStatementsOf(template());
    // Only the audit archiver may DescribeKey, and only the table key: CDK's stream-read grant adds it (audit-archive.test.ts).
    expect(FUNCTION_NAMES.flatMap((step) => statementsOf(template(), step)).flatMap(actionList)).not.toContain('kms:DescribeKey');
    const sealingKeyGrants = all.filter((s) => JSON.stringify(s.Resource).includes('KeysSealingKey'));
    const expected = Object.values(SEALING).reduce((n, { seal, open }) => n + (seal.length > 0 ? 1 : 0) + (open.length > 0 ? 1 : 0), 0);
    expect(sealingKeyGrants).toHaveLength(expected);
    for (const statement of sealingKeyGrants) {
      expect(SEALING_SIDS).toContain(statement.Sid);
      expect(actionList(statement)).toHaveLength(1);
      expect(Object.keys(statement.Condition ?? {}).sort()).toEqual(['ForAllValues:StringEquals', 'Null', 'StringLike']);
    }
  });
});

describe('the KMS calls the sealer makes, judged by the synthesized conditions of each step', () => {
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

  const ACTION_OF: Record<string, string> = { GenerateDataKeyCommand: 'kms:GenerateDataKey', DecryptCommand: 'kms:Decrypt' };

  it.each([0, 60])('sends only wardflow:stream and wardflow:version; exactly the declared steps may make each call (cache %ss)', async (cache) => {
    const requests = await recordedRequests(cache);
    // Sealing calls GenerateDataKey only, opening Decrypt only: one of each per stream kind.
    expect(requests.map((r) => r.command).sort()).toEqual(['DecryptCommand', 'DecryptCommand', 'GenerateDataKeyCommand', 'GenerateDataKeyCommand']);
    for (const request of requests) {
      expect(Object.keys(request.context ?? {}).sort()).toEqual(['wardflow:stream', 'wardflow:version']);
      const stream = request.context!['wardflow:stream']!;
      const kind = stream.slice(0, stream.indexOf('#'));
      const declared = request.command === 'GenerateDataKeyCommand' ? 'seal' : 'open';
      for (const step of FUNCTION_NAMES) {
        const { workflows, ...kinds } = DECLARED[step]!;
        // The sealer's context, for a stream of each workflow of the app: allowed on the step's own
        // workflows' streams of a kind it declares, never on another workflow's (execution#<workflow>:<name>).
        for (const workflow of WORKFLOWS) {
          const context = { ...request.context, 'wardflow:stream': stream.replace('#', `#${workflow.name}:`) };
          const expected = kinds[declared].includes(kind) && workflows.includes(workflow.name);
          expect(roleAllows(statementsOf(dev, step), ACTION_OF[request.command]!, context), `${step} ${request.command} ${context['wardflow:stream']}`).toBe(expected);
        }
      }
    }
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('refuses what the sealer never sends: no context, an extra key, a missing version, another stream', () => {
    const [workflow] = WORKFLOWS.filter((w) => Object.keys(w.gates ?? {}).length > 0);
    const execution = statementsOf(dev, platformFunctionOf(workflow!, 'record-start').name).find((s) => s.Sid === 'SealEventFields')!.Condition!;
    const approval = statementsOf(dev, platformFunctionOf(workflow!, 'record-decision').name).find((s) => s.Sid === 'OpenSealedFields')!.Condition!;
    const own = workflow!.name;
    const good = { 'wardflow:stream': `execution#${own}:exec-1`, 'wardflow:version': '3' };
    expect(allows(execution, good)).toBe(true);
    expect(allows(approval, { ...good, 'wardflow:stream': `approval#${own}:exec-1-1` })).toBe(true);
    // Each grant is for its own kind of stream only.
    expect(allows(execution, { ...good, 'wardflow:stream': `approval#${own}:exec-1-1` })).toBe(false);
    expect(allows(approval, good)).toBe(false);
    // And for its own workflow's executions only: not another workflow's, not an unqualified (pre-qualification) stream.
    for (const other of WORKFLOWS.filter((w) => w.name !== own)) {
      expect(allows(execution, { ...good, 'wardflow:stream': `execution#${other.name}:exec-1` }), other.name).toBe(false);
      expect(allows(approval, { ...good, 'wardflow:stream': `approval#${other.name}:exec-1-1` }), other.name).toBe(false);
    }
    expect(allows(execution, { ...good, 'wardflow:stream': 'execution#exec-1' })).toBe(false);
    for (const conditions of [execution, approval]) {
      expect(allows(conditions, undefined)).toBe(false);
      expect(allows(conditions, {})).toBe(false);
      expect(allows(conditions, { ...good, 'aws-crypto-public-key': 'AkF...' })).toBe(false);
      expect(allows(conditions, { 'wardflow:stream': `execution#${own}:exec-1` })).toBe(false);
      expect(allows(conditions, { 'wardflow:version': '3' })).toBe(false);
      expect(allows(conditions, { ...good, 'wardflow:stream': 'audit#batch-1' })).toBe(false);
      expect(allows(conditions, { ...good, 'wardflow:stream': `xexecution#${own}:exec-1` })).toBe(false);
    }
  });
});
