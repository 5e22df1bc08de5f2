import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArchiveBatch } from '../../../functions/shared/audit/archive-format.js';
import { fromItem } from '../../../functions/shared/events/dynamodb-item.js';
import { listArchiveKeys, readArchiveObject } from '../../../lib/audit/archive-reader.js';
import { countDynamoDbRequests } from '../../../lib/local/runtime/services/dynamodb-request-counter.js';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../../support/examples.js';
import { registerAcme } from '../../support/vendor-register.js';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import { startLocalRuntime } from '../../../lib/local/runtime/app/runtime.js';

/** The whole local runtime in process: an execution's events reach the archive through the stream and the real archiver. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('the local runtime archives the events table', () => {
  it('after an example execution, flush() leaves every event of the table in the archive, once', async () => {
    // Handler log lines are not this test's business.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dataDir = mkdtempSync(join(tmpdir(), 'wardflow-archive-'));
    folders.push(dataDir);
    const runtime = await startLocalRuntime({ dataDir, basePort: await freeBasePort() });
    const { endpoints, region, credentials, resources } = runtime.endpoints;
    const dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials });
    const s3 = new S3Client({ endpoint: endpoints.s3, region, credentials, forcePathStyle: true });
    // A fresh data folder's stream scans its (empty) table once, to catch up; every request after that,
    // the execution's and the stream's, is counted: the stream reads the write log, never the whole table.
    await runtime.auditStream.flush();
    // The small invoice is auto-approved only once Acme's account is in the vendor register.
    await registerAcme(runtime.endpoints);
    await runtime.auditStream.flush();
    const requests = countDynamoDbRequests(Number(new URL(endpoints.dynamodb).port));
    try {
      const { executionArn } = await runtime.engine.startExecution({
        stateMachineArn: resources.stateMachines['invoice-approval']!,
        name: 'archived-small',
        input: readFileSync(join(EXAMPLES_FOLDER, 'invoice-small.json'), 'utf8'),
      });
      expect((await runtime.engine.waitUntilEnded(executionArn, 30_000)).status).toBe('SUCCEEDED');
      await runtime.auditStream.flush();
      requests.stop();
      expect(requests.counts().byOperation).not.toHaveProperty('Scan');

      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: resources.eventsTable, ConsistentRead: true }));
      const inTable = Items.map(fromItem);
      expect(inTable.filter((e) => e.stream === 'execution#invoice-approval:archived-small').length).toBeGreaterThan(2);

      const { keys } = await listArchiveKeys(s3, resources.auditBucket);
      const archived = [];
      for (const key of keys) archived.push(...parseArchiveBatch((await readArchiveObject(s3, resources.auditBucket, key)).text, key).records);
      expect(archived.map((r) => `${r.stream} v${r.version}`).sort()).toEqual(inTable.map((e) => `${e.stream} v${e.version}`).sort());
      for (const event of inTable) expect(archived.find((r) => r.stream === event.stream && r.version === event.version)?.event).toEqual(event);
      expect(existsSync(runtime.auditStream.deadLetterFile)).toBe(false);
      expect(JSON.parse(readFileSync(join(dataDir, 'audit-stream.json'), 'utf8'))).toMatchObject({ pending: [], catchUp: null, logPosition: expect.any(Number) });
    } finally {
      requests.stop();
      dynamodb.destroy();
      s3.destroy();
      await runtime.stop();
    }
    await expect(runtime.auditStream.flush()).rejects.toThrow(/stopped/);
  }, 120_000);
});
