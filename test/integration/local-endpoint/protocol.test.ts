import { request as httpRequest } from 'node:http';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALING_KEY_ALIAS } from '../../../lib/local/aws-endpoint/kms.js';
import { MAX_REQUEST_BYTES, startLocalAwsEndpoint } from '../../../lib/local/aws-endpoint/server.js';
import { TEST_CREDENTIALS } from '../../support/dynalite.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';
import { rawCall, removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

/** Sends a body in chunks without Content-Length (chunked transfer), as a streaming client would. */
function postChunked(endpoint: string, target: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(endpoint, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('local AWS endpoint: the AWS JSON protocol', () => {
  let endpoint: EndpointUnderTest;
  let url: string;
  beforeAll(async () => {
    endpoint = await startEndpoint();
    url = endpoint.aws.endpoint;
  });
  afterAll(async () => {
    await endpoint.stop();
    removeDataFolders();
  });

  it('answers an unknown service or operation with 400 UnknownOperationException naming it', async () => {
    for (const target of ['DynamoDB_20120810.GetItem', 'TrentService.CreateKey', 'secretsmanager.PutSecretValue', 'TrentService.constructor', 'TrentService.__proto__', 'TrentService']) {
      const answer = await rawCall(url, target, {});
      expect([answer.status, answer.json.__type]).toEqual([400, 'UnknownOperationException']);
      expect(answer.json.message).toContain(target);
    }
    const kms = await rawCall(url, 'TrentService.CreateKey', {});
    expect(kms.json.message).toContain('The local KMS answers DescribeKey, Encrypt, GenerateDataKey, Decrypt, GenerateMac, VerifyMac.');
    const none = await rawCall(url, undefined, {});
    expect([none.status, none.json.__type]).toEqual([400, 'UnknownOperationException']);
    const get = await fetch(url, { headers: { 'x-amz-target': 'TrentService.DescribeKey' } });
    expect([get.status, ((await get.json()) as { __type: string }).__type]).toEqual([400, 'UnknownOperationException']);
  });

  it('does not echo an X-Amz-Target that is not shaped like an operation name', async () => {
    const answer = await rawCall(url, `TrentService.${PLANTED_SECRET} x`, {});
    expect(answer.json.__type).toBe('UnknownOperationException');
    expect(answer.text).not.toContain(PLANTED_SECRET);
  });

  it('answers a body that is not a JSON object with 400 SerializationException', async () => {
    for (const body of ['{"KeyId": ', '[]', '"text"', 'null']) {
      const answer = await rawCall(url, 'TrentService.DescribeKey', body);
      expect([answer.status, answer.json.__type]).toEqual([400, 'SerializationException']);
    }
    const wrongType = await rawCall(url, 'TrentService.DescribeKey', { KeyId: 42 });
    expect([wrongType.status, wrongType.json.__type, wrongType.json.message]).toEqual([400, 'SerializationException', 'KeyId must be a string.']);
    const missing = await rawCall(url, 'TrentService.DescribeKey', {});
    expect([missing.status, missing.json.__type, missing.json.message]).toEqual([400, 'ValidationException', 'KeyId is required.']);
  });

  it('answers a body over 1 MiB with 413, whether its length is declared or streamed', async () => {
    const big = JSON.stringify({ KeyId: SEALING_KEY_ALIAS, Plaintext: 'A'.repeat(MAX_REQUEST_BYTES) });
    const declared = await rawCall(url, 'TrentService.Encrypt', big);
    expect([declared.status, declared.json.__type]).toEqual([413, 'RequestEntityTooLargeException']);
    const streamed = await postChunked(url, 'TrentService.Encrypt', [Buffer.from('{"KeyId":"x","Plaintext":"'), Buffer.alloc(MAX_REQUEST_BYTES, 0x41), Buffer.from('"}')]);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ __type: 'RequestEntityTooLargeException' });
    // The endpoint still answers afterwards.
    expect((await rawCall(url, 'TrentService.DescribeKey', { KeyId: SEALING_KEY_ALIAS })).status).toBe(200);
  });

  it('replies in the JSON version the request used', async () => {
    const v11 = await rawCall(url, 'TrentService.DescribeKey', { KeyId: SEALING_KEY_ALIAS }, 'application/x-amz-json-1.1');
    expect([v11.status, v11.contentType]).toEqual([200, 'application/x-amz-json-1.1']);
    const v10 = await rawCall(url, 'TrentService.DescribeKey', { KeyId: SEALING_KEY_ALIAS }, 'application/x-amz-json-1.0');
    expect([v10.status, v10.contentType]).toEqual([200, 'application/x-amz-json-1.0']);
    const unknown = await rawCall(url, 'AWSStepFunctions.ListStateMachines', {}, 'application/x-amz-json-1.0');
    expect(unknown.contentType).toBe('application/x-amz-json-1.0');
  });

  it('tells a client signed for another region which region it serves', async () => {
    const elsewhere = new KMSClient({ endpoint: url, region: 'eu-west-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const error = await elsewhere.send(new DescribeKeyCommand({ KeyId: SEALING_KEY_ALIAS })).catch((e: unknown) => e);
    elsewhere.destroy();
    expect(error).toMatchObject({ name: 'InvalidSignatureException' });
    expect((error as Error).message).toContain('serves region us-east-1');
  });
});

describe('local AWS endpoint: lifecycle', () => {
  it('listens on loopback only: it checks no signatures', async () => {
    const endpoint = await startEndpoint();
    try {
      await expect(startLocalAwsEndpoint({ host: '0.0.0.0', port: 0, region: 'us-east-1', kms: endpoint.kms, secrets: endpoint.secrets })).rejects.toThrow(/loopback only/);
      expect(endpoint.aws.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await endpoint.stop();
    }
  });

  it('stops while a client still holds a kept-alive connection, and stopping twice is harmless', async () => {
    const endpoint = await startEndpoint();
    const client = new KMSClient({ endpoint: endpoint.aws.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    await client.send(new DescribeKeyCommand({ KeyId: SEALING_KEY_ALIAS }));
    await endpoint.aws.stop();
    await endpoint.aws.stop();
    await expect(client.send(new DescribeKeyCommand({ KeyId: SEALING_KEY_ALIAS }))).rejects.toThrow();
    client.destroy();
    await endpoint.stop();
    removeDataFolders();
  });
});
