import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalFunction } from '../app/definitions.js';
import { writeLogOnPort } from './dynamodb-write-log.js';
import { LocalEventStream } from './event-stream.js';
import type { LocalLambda } from '../lambda/lambda-invoke.js';

/** The folder of the archiver's handler, as the template's `wardflow:handler` metadata names it. */
export const AUDIT_ARCHIVER = 'audit-archiver';

export interface AuditStreamOptions {
  dataDir: string;
  region: string;
  table: string;
  /** The local DynamoDB: its URL, and its port in this process (where its write log is found, dynamodb-write-log.ts). */
  dynamodb: { url: string; port: number };
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The template's functions: the archiver's event source mapping is read from them. */
  definitions: readonly LocalFunction[];
  /** The functions as the runtime runs them: the archiver is invoked through its entry. */
  functions: readonly LocalLambda[];
  log: (line: string) => void;
}

/**
 * Opens the events table's local stream at its checkpoint and starts feeding the archiver, with
 * the batch size, retries and bisect of the archiver's event source mapping in the template.
 * `stop()` lets a delivery under way finish, then closes the stream's DynamoDB client.
 *
 * @example
 * const audit = await startAuditStream({ dataDir, region, table, dynamodb, credentials, definitions: app.functions, functions, log });
 * await audit.stream.flush();
 * await audit.stop();
 */
export async function startAuditStream(options: AuditStreamOptions): Promise<{ stream: LocalEventStream; stop(): Promise<void> }> {
  const definition = options.definitions.find((fn) => fn.handler === AUDIT_ARCHIVER);
  const archiver = options.functions.find((fn) => fn.handler === AUDIT_ARCHIVER);
  if (definition === undefined || archiver === undefined) {
    throw new Error(`the synthesized application has no ${AUDIT_ARCHIVER} function; the local runtime cannot archive the events table`);
  }
  if (definition.tableStream === undefined) {
    throw new Error(`the ${AUDIT_ARCHIVER} function has no event source mapping on the events table's stream in the template`);
  }
  const client = new DynamoDBClient({ endpoint: options.dynamodb.url, region: options.region, credentials: options.credentials });
  try {
    const stream = await LocalEventStream.open({
      dataDir: options.dataDir,
      client,
      table: options.table,
      region: options.region,
      archiver,
      mapping: definition.tableStream,
      writeLog: writeLogOnPort(options.dynamodb.port),
      dynamoDbPort: options.dynamodb.port,
      log: options.log,
    });
    stream.start();
    return {
      stream,
      stop: async () => {
        await stream.stop();
        client.destroy();
      },
    };
  } catch (error) {
    client.destroy();
    throw error;
  }
}
