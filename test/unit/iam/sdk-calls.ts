import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * What a handler can call on AWS, read from its code: esbuild bundles the handler in memory (every
 * package left external, tree shaking on, so code the handler never references is dropped), and the
 * bundle is scanned for `new <Name>Command(` of the @aws-sdk/client-* packages it imports; each
 * command is mapped to the IAM action AWS authorizes it with (SDK_COMMAND_ACTIONS).
 *
 * A file that loads the Encryption SDK (@aws-crypto/client-node) encrypts and decrypts with a KMS
 * keyring: kms:GenerateDataKey and kms:Decrypt. Ours passes its own KMS client
 * (functions/shared/crypto/kms-keyring-client.ts), whose commands the scan finds too.
 *
 * The scan says what the code CAN call, not on which path: a class's unused methods and a shared
 * middleware's branches stay in the bundle.
 * Which of those calls a function makes depends on what it declares (a step that declares no secret
 * never fetches one, one that seals nothing never asks for a data key), and the policy-simulation
 * suite applies the declarations on top (expected-requests.ts).
 */

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** IAM action(s) of an SDK command, or none with the reason it is never sent in a deployed function. */
export interface CommandMapping {
  /** The IAM actions AWS checks for this command; empty when the command is never sent (see `reason`). */
  readonly actions: readonly string[];
  /** Why the mapping is not the command's own name, or why it needs no grant. */
  readonly reason?: string;
}

/**
 * Every SDK command the functions construct, by `<package>:<Command>`. A command the scan finds
 * that is missing here fails the suite: add it with its IAM action (and a reason where it is not 1:1).
 *
 * | command | IAM action | why |
 * |---|---|---|
 * | dynamodb PutItemCommand | dynamodb:PutItem | 1:1 |
 * | dynamodb QueryCommand | dynamodb:Query | 1:1 |
 * | dynamodb TransactWriteItemsCommand | dynamodb:PutItem | there is no dynamodb:TransactWriteItems action: DynamoDB authorizes each item of the transaction by its own action, and the store's transactions hold only Puts |
 * | kms GenerateDataKeyCommand | kms:GenerateDataKey | 1:1 (the sealer's data keys) |
 * | kms DecryptCommand | kms:Decrypt | 1:1 (opening sealed fields) |
 * | kms EncryptCommand | none | the Encryption SDK calls encrypt only for a keyring's additional keys; ours have one generator key and none else |
 * | kms DescribeKeyCommand | none | resolveKeyArn calls it only when DATA_KEY_ID is not a key ARN; the platform passes the ARN (checked by the suite) |
 * | kms GenerateMacCommand | kms:GenerateMac | 1:1 (signing approval links) |
 * | kms VerifyMacCommand | kms:VerifyMac | 1:1 (verifying them) |
 * | secrets-manager GetSecretValueCommand | secretsmanager:GetSecretValue | 1:1 (Secrets Manager then decrypts with the secrets key on the caller's behalf: kms:Decrypt through secretsmanager, granted in the key policy) |
 * | sfn SendTaskSuccessCommand / SendTaskFailureCommand | states:SendTaskSuccess / states:SendTaskFailure | 1:1 |
 * | sfn DescribeExecutionCommand | states:DescribeExecution | 1:1 |
 * | sesv2 SendEmailCommand | ses:SendEmail | the SESv2 API shares the ses: prefix and action names with SES v1 |
 * | bedrock-runtime ConverseCommand | bedrock:InvokeModel | Converse has no action of its own: AWS authorizes it as bedrock:InvokeModel |
 * | bedrock-runtime InvokeModelCommand | bedrock:InvokeModel | 1:1 |
 * | bedrock-runtime ApplyGuardrailCommand | bedrock:ApplyGuardrail | 1:1 (on the guardrail's ARN; the version is a parameter, not a resource) |
 * | s3 PutObjectCommand | s3:PutObject | 1:1 (with SSE-KMS, S3 asks the audit key for a data key on the caller's behalf: kms:GenerateDataKey through s3) |
 */
export const SDK_COMMAND_ACTIONS: Readonly<Record<string, CommandMapping>> = {
  '@aws-sdk/client-dynamodb:PutItemCommand': { actions: ['dynamodb:PutItem'] },
  '@aws-sdk/client-dynamodb:QueryCommand': { actions: ['dynamodb:Query'] },
  '@aws-sdk/client-dynamodb:TransactWriteItemsCommand': {
    actions: ['dynamodb:PutItem'],
    reason: 'no dynamodb:TransactWriteItems action exists: each item is authorized by its own action, and the store writes only Puts',
  },
  '@aws-sdk/client-kms:GenerateDataKeyCommand': { actions: ['kms:GenerateDataKey'] },
  '@aws-sdk/client-kms:DecryptCommand': { actions: ['kms:Decrypt'] },
  '@aws-sdk/client-kms:EncryptCommand': {
    actions: [],
    reason: "the Encryption SDK encrypts with KMS only for a keyring's additional keys; the sealer's keyring has one generator key and no other",
  },
  '@aws-sdk/client-kms:DescribeKeyCommand': {
    actions: [],
    reason: 'resolveKeyArn describes the key only when DATA_KEY_ID is an alias or key id; every function gets the key ARN (the suite checks it)',
  },
  '@aws-sdk/client-kms:GenerateMacCommand': { actions: ['kms:GenerateMac'] },
  '@aws-sdk/client-kms:VerifyMacCommand': { actions: ['kms:VerifyMac'] },
  '@aws-sdk/client-secrets-manager:GetSecretValueCommand': { actions: ['secretsmanager:GetSecretValue'] },
  '@aws-sdk/client-secrets-manager:DescribeSecretCommand': { actions: ['secretsmanager:DescribeSecret'] },
  '@aws-sdk/client-secrets-manager:ListSecretVersionIdsCommand': { actions: ['secretsmanager:ListSecretVersionIds'] },
  '@aws-sdk/client-sfn:ListExecutionsCommand': { actions: ['states:ListExecutions'] },
  '@aws-sdk/client-sfn:SendTaskSuccessCommand': { actions: ['states:SendTaskSuccess'] },
  '@aws-sdk/client-sfn:SendTaskFailureCommand': { actions: ['states:SendTaskFailure'] },
  '@aws-sdk/client-sfn:DescribeExecutionCommand': { actions: ['states:DescribeExecution'] },
  '@aws-sdk/client-sesv2:SendEmailCommand': { actions: ['ses:SendEmail'], reason: 'SESv2 shares the ses: action names' },
  '@aws-sdk/client-scheduler:CreateScheduleCommand': {
    actions: ['scheduler:CreateSchedule', 'iam:PassRole'],
    reason: 'a schedule with a target role is also authorized as iam:PassRole on that role, passed to scheduler.amazonaws.com',
  },
  '@aws-sdk/client-bedrock-runtime:ConverseCommand': { actions: ['bedrock:InvokeModel'], reason: 'Converse is authorized as bedrock:InvokeModel' },
  '@aws-sdk/client-bedrock-runtime:InvokeModelCommand': { actions: ['bedrock:InvokeModel'] },
  '@aws-sdk/client-bedrock-runtime:ApplyGuardrailCommand': { actions: ['bedrock:ApplyGuardrail'] },
  '@aws-sdk/client-s3:PutObjectCommand': { actions: ['s3:PutObject'] },
};

/** What the Encryption SDK calls on KMS when a file loads it: sealing asks for a data key, opening decrypts one. */
const ENCRYPTION_SDK = '@aws-crypto/client-node';
const ENCRYPTION_SDK_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** One command the scan found, where, and what IAM action it needs. */
export interface FoundCall {
  readonly file: string;
  /** `<package>:<Command>`, or the Encryption SDK's package name. */
  readonly call: string;
  readonly actions: readonly string[];
}

/** The SDK calls one handler's code can make. */
export interface HandlerCalls {
  /** Repository files the handler loads (relative paths). */
  readonly files: readonly string[];
  readonly calls: readonly FoundCall[];
  /** Every IAM action the calls need, sorted. */
  readonly actions: readonly string[];
  /** Commands found with no entry in SDK_COMMAND_ACTIONS: the suite fails on any. */
  readonly unmapped: readonly string[];
  /** Constructs of aggregated clients or paginators (`new DynamoDB(`, `paginateQuery(`) the command scan would miss. */
  readonly unscannable: readonly string[];
}

const CLIENT_PACKAGE = /['"](@aws-sdk\/client-[a-z0-9-]+)['"]/g;
const NEW_COMMAND = /\bnew\s+([A-Z][A-Za-z0-9]*Command)\s*\(/g;
const NEW_ANYTHING = /\bnew\s+([A-Z][A-Za-z0-9]*)\s*\(/g;
const PAGINATOR = /\b(paginate[A-Z][A-Za-z0-9]*)\s*\(/g;

/** Whether `pkg` exports `name` as a command (its dist-types/commands/<name>.d.ts exists). */
const isCommandOf = (pkg: string, name: string): boolean => existsSync(path.join(repositoryRoot, 'node_modules', pkg, 'dist-types', 'commands', `${name}.d.ts`));
/** Whether `pkg` exports `name` as its aggregated client class (dist-types/<name>.d.ts, e.g. DynamoDB.d.ts). */
const isAggregatedClientOf = (pkg: string, name: string): boolean =>
  !name.endsWith('Client') && existsSync(path.join(repositoryRoot, 'node_modules', pkg, 'dist-types', `${name}.d.ts`));

/** Scans bundled code for the SDK calls it constructs; `where` names it in findings. */
function scanSource(where: string, source: string): { calls: FoundCall[]; unmapped: string[]; unscannable: string[] } {
  const packages = [...new Set([...source.matchAll(CLIENT_PACKAGE)].map((m) => m[1]!))];
  const calls: FoundCall[] = [];
  const unmapped: string[] = [];
  const unscannable: string[] = [];
  for (const command of new Set([...source.matchAll(NEW_COMMAND)].map((m) => m[1]!))) {
    // A `new XCommand(` of no SDK package the code imports is its own class (e.g. a domain command).
    for (const pkg of packages.filter((p) => isCommandOf(p, command))) {
      const key = `${pkg}:${command}`;
      const mapping = SDK_COMMAND_ACTIONS[key];
      if (mapping === undefined) unmapped.push(`${where}: ${key}`);
      else calls.push({ file: where, call: key, actions: mapping.actions });
    }
  }
  for (const name of new Set([...source.matchAll(NEW_ANYTHING)].map((m) => m[1]!))) {
    for (const pkg of packages) if (isAggregatedClientOf(pkg, name)) unscannable.push(`${where}: new ${name}( of ${pkg}`);
  }
  for (const [, name] of source.matchAll(PAGINATOR)) unscannable.push(`${where}: ${name}(`);
  if (source.includes(`"${ENCRYPTION_SDK}"`) || source.includes(`'${ENCRYPTION_SDK}'`)) {
    calls.push({ file: where, call: ENCRYPTION_SDK, actions: ENCRYPTION_SDK_ACTIONS });
  }
  return { calls, unmapped, unscannable };
}

const cache = new Map<string, Promise<HandlerCalls>>();

/**
 * The SDK calls the handler at `entry` (an absolute path to a handler.ts) can make, through
 * everything it imports from the repository.
 *
 * @example
 * const { actions } = await handlerCalls('/repo/functions/record-decision/handler.ts');
 * // ['dynamodb:PutItem', 'dynamodb:Query', 'kms:Decrypt', 'kms:GenerateDataKey', ...]
 */
export function handlerCalls(entry: string): Promise<HandlerCalls> {
  let pending = cache.get(entry);
  if (pending === undefined) {
    pending = scanHandler(entry);
    cache.set(entry, pending);
  }
  return pending;
}

async function scanHandler(entry: string): Promise<HandlerCalls> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: repositoryRoot,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    // Only the repository's own code is scanned: a package's calls are reached through ours (the
    // Encryption SDK through the keyring client); its import specifier stays in the bundle.
    packages: 'external',
    treeShaking: true,
    minify: false,
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/')).sort();
  const where = path.relative(repositoryRoot, entry).split(path.sep).join('/');
  const { calls, unmapped, unscannable } = scanSource(where, result.outputFiles[0]!.text);
  const actions = [...new Set(calls.flatMap((c) => c.actions))].sort();
  return { files, calls, actions, unmapped, unscannable };
}
