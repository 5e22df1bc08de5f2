import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `<data folder>/endpoints.json`: written by the local runtime once it is ready, removed when it
 * stops. It names every local endpoint, so the CLI, tests and other tools reach the runtime
 * through the real AWS SDK clients with only the endpoint changed.
 *
 * Ports: every server has a fixed offset from the base port (`--port`, WARDFLOW_PORT, default
 * 7700): approval site +0, SES and its inbox +1, DynamoDB +2, S3 +3, the local AWS endpoint
 * (Step Functions, KMS, Secrets Manager) +4.
 */
export const ENDPOINTS_FILE = 'endpoints.json';
export const DEFAULT_BASE_PORT = 7700;
export const PORT_OFFSETS = { approvalSite: 0, ses: 1, dynamodb: 2, s3: 3, aws: 4 } as const;

const Url = z.url();
export const EndpointsFileSchema = z.object({
  version: z.literal(1),
  pid: z.number().int(),
  startedAt: z.string(),
  dataDir: z.string(),
  region: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  endpoints: z.object({
    approvalSite: Url,
    inbox: Url,
    sesv2: Url,
    dynamodb: Url,
    s3: Url,
    stepfunctions: Url,
    kms: Url,
    secretsmanager: Url,
  }),
  resources: z.object({
    eventsTable: z.string(),
    auditBucket: z.string(),
    /** Workflow name (`invoice-approval`) → state machine ARN. */
    stateMachines: z.record(z.string(), z.string()),
    sealingKeyArn: z.string(),
    linkKeyArn: z.string(),
  }),
});
export type EndpointsFile = z.infer<typeof EndpointsFileSchema>;

/** Reads and validates `<dataDir>/endpoints.json`; a clear error when no runtime is running there. */
export function readEndpointsFile(dataDir: string): EndpointsFile {
  const file = join(dataDir, ENDPOINTS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no local runtime found: ${file} does not exist. Start one with \`npm start\` (or pass --data-dir / WARDFLOW_DATA_DIR of a running one).`);
  }
  const parsed = EndpointsFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a wardflow endpoints file (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  return parsed.data;
}
