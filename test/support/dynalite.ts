import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureEventsTable } from '../../lib/local/events-table.js';
// dynalite ships no types; it returns an http.Server.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';
import type { Server } from 'node:http';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  createEventsTable(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Dummy credentials: local emulators check the signature format, not the secret. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const TEST_REGION = 'us-east-1';

/**
 * Starts dynalite in memory on a free port, so every DynamoDB request a test makes is a
 * real HTTP request that dynalite parses and validates.
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  let tables = 0;
  return {
    endpoint,
    client,
    async createEventsTable(name = `events-${++tables}`) {
      await createEventsTable(client, name);
      return name;
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The events table as the CDK stack defines it: stream (S) + version (N). */
export async function createEventsTable(client: DynamoDBClient, name: string): Promise<void> {
  await ensureEventsTable(client, name);
}
