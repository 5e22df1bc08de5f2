import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the one Secrets Manager call the steps make (GetSecretValue), served
 * over HTTP so that the real SecretsManagerClient, the real secrets middleware and its cache
 * are exercised with only the endpoint changed.
 *
 * Written here because no npm package emulates Secrets Manager without Docker; it answers
 * the AWS JSON 1.1 protocol for GetSecretValue only and refuses every other operation.
 */
export interface LocalSecretsEndpoint {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalSecretsEndpoint(secrets: Readonly<Record<string, string>>, port = 0): Promise<LocalSecretsEndpoint> {
  const created = Math.floor(Date.now() / 1000);
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnknownOperationException', message: `The local Secrets Manager answers GetSecretValue only, not ${String(target)}.` });
        return;
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(body) as { SecretId?: unknown }).SecretId;
      } catch {
        reply(400, { __type: 'InvalidRequestException', message: 'The request body is not JSON.' });
        return;
      }
      const value = typeof secretId === 'string' ? secrets[secretId] : undefined;
      if (typeof secretId !== 'string' || value === undefined) {
        reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:local:000000000000:secret:${secretId}`,
        Name: secretId,
        SecretString: value,
        VersionId: 'local-v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: created,
      });
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
