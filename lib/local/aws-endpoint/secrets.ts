import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { DataFolder } from '../data-folder.js';
import { AwsProtocolError } from './protocol-error.js';
import { LOCAL_ACCOUNT_ID } from './wire.js';

export interface LocalSecretsOptions {
  region: string;
  /** Secret name → value. Read at call time, so a value changed in this record is served at once. */
  secrets: Readonly<Record<string, string>>;
  /**
   * Keys the VersionIds (HMAC of name and value). A plain hash of the value would put a
   * guessable fingerprint of every secret into SecretRead events and the audit archive.
   */
  versionKey: Uint8Array;
  /** CreatedDate of every secret. @default the time the LocalSecrets was made */
  createdDate?: Date;
}

/** GetSecretValue's answer, in the API's member names. */
export interface LocalSecretValue {
  ARN: string;
  Name: string;
  SecretString: string;
  VersionId: string;
  VersionStages: ['AWSCURRENT'];
  CreatedDate: Date;
}

/**
 * The local stand-in for Secrets Manager's GetSecretValue, over the data folder's
 * secrets.json. A secret has one version, AWSCURRENT, whose VersionId stays the same for as
 * long as the value does (across restarts too) and changes when the value is changed, so
 * SecretRead events say truthfully which value a step used.
 *
 * ARNs look like AWS's: `arn:aws:secretsmanager:<region>:000000000000:secret:<name>-<6 chars>`,
 * the suffix derived from the name so it is stable. A secret is found by name, by full ARN
 * or by ARN without the suffix (partial ARN), as in AWS.
 *
 * @example
 * const secrets = LocalSecrets.fromDataFolder(openDataFolder(dir, ['wardflow/local/payments-api-key']), 'us-east-1');
 * secrets.getSecretValue({ secretId: 'wardflow/local/payments-api-key' }).VersionId;
 */
export class LocalSecrets {
  private readonly createdDate: Date;

  constructor(private readonly options: LocalSecretsOptions) {
    this.createdDate = options.createdDate ?? new Date();
  }

  /**
   * Serves the folder's secrets, with a VersionId key derived (HKDF) from the folder's
   * sealing key, so VersionIds are stable for the life of the folder.
   *
   * @example
   * const secrets = LocalSecrets.fromDataFolder(folder, 'eu-west-1');
   */
  static fromDataFolder(folder: Pick<DataFolder, 'secrets' | 'sealingKey'>, region: string): LocalSecrets {
    const versionKey = Buffer.from(hkdfSync('sha256', folder.sealingKey, Buffer.alloc(0), 'wardflow local secret version ids', 32));
    return new LocalSecrets({ region, secrets: folder.secrets, versionKey });
  }

  /**
   * The ARN a secret has (whether or not it exists).
   *
   * @example
   * secrets.arnOf('wardflow/local/payments-api-key'); // 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wardflow/local/payments-api-key-AbC123'
   */
  arnOf(name: string): string {
    return `${this.partialArnOf(name)}-${arnSuffix(name)}`;
  }

  /**
   * GetSecretValue. With `versionId` or `versionStage`, they must name the current version.
   * Anything not found is ResourceNotFoundException, which never names the value.
   *
   * @example
   * const { SecretString, VersionId } = secrets.getSecretValue({ secretId: arn });
   */
  getSecretValue(request: { secretId: string; versionId?: string; versionStage?: string }): LocalSecretValue {
    const name = this.nameOf(request.secretId);
    const value = name === undefined ? undefined : this.options.secrets[name];
    if (name === undefined || value === undefined) {
      throw new AwsProtocolError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    const versionId = this.versionIdOf(name, value);
    if ((request.versionId !== undefined && request.versionId !== versionId) || (request.versionStage !== undefined && request.versionStage !== 'AWSCURRENT')) {
      throw new AwsProtocolError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for the version or staging label given.");
    }
    return { ARN: this.arnOf(name), Name: name, SecretString: value, VersionId: versionId, VersionStages: ['AWSCURRENT'], CreatedDate: this.createdDate };
  }

  private partialArnOf(name: string): string {
    return `arn:aws:secretsmanager:${this.options.region}:${LOCAL_ACCOUNT_ID}:secret:${name}`;
  }

  /** The secret's name for a name, full ARN or partial ARN; undefined if none matches. */
  private nameOf(secretId: string): string | undefined {
    const names = Object.keys(this.options.secrets);
    if (!secretId.startsWith('arn:')) return Object.hasOwn(this.options.secrets, secretId) ? secretId : undefined;
    return names.find((name) => this.arnOf(name) === secretId) ?? names.find((name) => this.partialArnOf(name) === secretId);
  }

  /** A UUID-shaped HMAC of name and value: same value, same id; no fingerprint without the key. */
  private versionIdOf(name: string, value: string): string {
    const hex = createHmac('sha256', this.options.versionKey).update(JSON.stringify([name, value])).digest('hex');
    // Version nibble 8 and RFC 4122 variant: a valid UUID (v8, "custom") as AWS's VersionIds are UUIDs.
    const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Six characters like AWS's random ARN suffix, derived from the name so they never change. */
function arnSuffix(name: string): string {
  return createHash('sha256').update(name).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 6);
}
