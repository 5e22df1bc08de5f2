import { randomBytes } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as recordDecision, useSfnClient } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { useEmailClient } from '../../../functions/shared/approvals/approval-email.js';
import { HmacLinkSigner, useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream } from '../../../functions/shared/events/event.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { startDynalite, type LocalDynamo } from '../../support/dynalite.js';

/**
 * Someone with write access to the table (not to the steps) edits an event in place: makes
 * room for one more approver of a pending approval. The hash chain must stop the decision
 * before anything is appended or any task token leaves the store.
 */
const sfn = mockClient(SFNClient);
mockClient(SESv2Client).on(SendEmailCommand).resolves({ MessageId: 'm' });
let dynamo: LocalDynamo;
let table: string;
let store: DynamoDbEventStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  table = await dynamo.createEventsTable();
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
  store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer });
  setDependencies({
    config: { environment: 'test', eventsTable: table, dataKeyId: 'raw', dataKeyCacheSeconds: 0, secretsCacheSeconds: 0, logLevel: 'ERROR' },
    store,
    sealer,
    now: () => new Date(),
  });
  useSfnClient(new SFNClient({ region: 'us-east-1' }));
  vi.stubEnv('APPROVERS', JSON.stringify(['approver@example.com']));
  vi.stubEnv('WORKFLOW_NAME', 'invoice-approval');
  vi.stubEnv('APPROVAL_TIMEOUT_SECONDS', '3600');
  vi.stubEnv('APPROVAL_SITE_URL', 'https://approvals.example.test');
  vi.stubEnv('APPROVAL_LINK_KEY_ID', 'alias/test-links');
  vi.stubEnv('APPROVAL_EMAIL_FROM', 'wardflow@example.test');
  useLinkSigner(new HmacLinkSigner(randomBytes(32)));
  useEmailClient(new SESv2Client({ region: 'us-east-1' }));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  vi.restoreAllMocks();
  useLinkSigner(undefined);
  useEmailClient(undefined);
  vi.unstubAllEnvs();
  useSfnClient(undefined);
  setDependencies(undefined);
  await dynamo.stop();
});

const context = { awsRequestId: 'req' } as never;
const subject = { title: 'Invoice NW-1 from Northwind Traders', fields: [{ label: 'Amount', value: '12480.00 USD' }] };

describe('decisions on a tampered approval stream', () => {
  it('refuses the decision with TamperDetected, appends nothing and sends no token', async () => {
    const executionId = 'exec-tampered';
    const approvalId = `${executionId}-1`;
    await requestApproval({ executionId, taskToken: 'token-that-must-stay-sealed', input: { approvalId, subject } }, context);

    // Edit the request in place: room for a second approver (the addresses are sealed; without the key
    // nobody can add one there). The hash no longer matches.
    const [requested] = await store.read(approvalStream(approvalId));
    expect(requested!.data.approverCount).toBe(1);
    const forged = { ...requested!.data, approverCount: 2 };
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { stream: { S: approvalStream(approvalId) }, version: { N: '1' } },
        UpdateExpression: 'SET #data = :data',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':data': { S: JSON.stringify(forged) } },
      }),
    );

    const error = await recordDecision(
      { executionId, input: { approvalId, approver: 'mallory@example.com', decision: 'approve' } },
      context,
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('TamperDetected');
    expect(error?.message).toContain(`${approvalStream(approvalId)} v1`);
    expect(error?.message).not.toContain('token-that-must-stay-sealed');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect((await store.read(approvalStream(approvalId))).map((e) => e.type)).toEqual(['ApprovalRequested']);
  });
});
