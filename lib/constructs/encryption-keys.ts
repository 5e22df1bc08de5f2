import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ENVIRONMENT_NAME } from '../../functions/shared/config.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';

export interface EncryptionKeysProps {
  /** Environment name, used in the aliases `alias/wardflow/<environmentName>/<purpose>`. */
  readonly environmentName: string;
  /**
   * What happens to the keys when the stack is deleted. Deleting a key makes everything it encrypted
   * unreadable, so production keeps them. The audit key is kept whatever this says: the audit
   * bucket is always retained, under Object Lock, and its objects must stay readable.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE (kept, except when the create that made it rolls back)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Waiting period before a key scheduled for deletion is gone (7 to 30 days).
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/**
 * One customer-managed KMS key per purpose, so that a key policy or a grant only ever opens one
 * kind of data. Every encryption key has automatic rotation on; the HMAC key cannot have it (a KMS limit):
 * - tableKey: the events table (DynamoDB server-side encryption),
 * - sealingKey: client-side envelope encryption of sensitive event fields,
 * - auditKey: the audit bucket (always retained),
 * - logsKey: CloudWatch log groups,
 * - stateMachineKey: Step Functions state machines (execution history holds invoice text and task tokens),
 * - secretsKey: Secrets Manager secrets of this environment,
 * - messagingKey: SQS queues and SNS topics (the archiver's dead-letter queue, the alarm topic),
 * - approvalLinkKey: an HMAC key (not for encryption) that signs and verifies emailed approval links.
 */
export class EncryptionKeys extends Construct {
  readonly tableKey: kms.Key;
  readonly sealingKey: kms.Key;
  readonly auditKey: kms.Key;
  readonly logsKey: kms.Key;
  readonly stateMachineKey: kms.Key;
  readonly secretsKey: kms.Key;
  readonly messagingKey: kms.Key;
  readonly approvalLinkKey: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeysProps) {
    super(scope, id);
    if (!ENVIRONMENT_NAME.test(props.environmentName)) {
      throw new ConfigurationInvalid(
        'EncryptionKeys.environmentName must be lower-case letters, digits and dashes (it becomes part of the key aliases)',
      );
    }
    const pendingWindow = props.pendingWindow ?? Duration.days(30);
    const days = pendingWindow.toDays();
    if (days < 7 || days > 30) {
      throw new ConfigurationInvalid('EncryptionKeys.pendingWindow must be between 7 and 30 days (a KMS limit)');
    }
    const key = (keyId: string, purpose: string, description: string, removalPolicy = props.removalPolicy): kms.Key =>
      new kms.Key(this, keyId, {
        alias: `alias/wardflow/${props.environmentName}/${purpose}`,
        description: `wardflow ${props.environmentName}: ${description}`,
        enableKeyRotation: true,
        pendingWindow,
        removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });

    this.tableKey = key('TableKey', 'table', 'server-side encryption of the events table');
    this.sealingKey = key('SealingKey', 'sealing', 'envelope encryption of sensitive event fields');
    // RETAIN in every environment, even over a failed first create: the archive bucket outlives the
    // stack (Object Lock), and deleting its key would leave retained objects nobody can ever read again.
    this.auditKey = key('AuditKey', 'audit', 'encryption of the audit archive bucket', RemovalPolicy.RETAIN);
    this.logsKey = key('LogsKey', 'logs', 'CloudWatch log groups');
    this.stateMachineKey = key('StateMachineKey', 'state-machine', 'Step Functions execution data and history');
    this.secretsKey = key('SecretsKey', 'secrets', 'Secrets Manager secrets');
    // Dead letters hold stream positions only, alarms only alarm names: one key for both is enough.
    // Who may use it: principals of this account through IAM (the key policy's account statement), so
    // the archiver's role sends dead letters with its own grant; CloudWatch, which has no IAM role
    // here, gets a key-policy statement from the alarm topic (alarm-topic.ts), bound to that topic.
    this.messagingKey = key('MessagingKey', 'messaging', 'SQS queues and SNS topics');
    // The key material never leaves KMS: request-approval may only GenerateMac and the approval page
    // only VerifyMac with it, so a link cannot be forged even by code that reads every event.
    // KMS has no automatic rotation for HMAC keys (cdk-nag's KMS5 checks symmetric keys only, so it
    // raises no finding). Rotating by hand means a new key, and links signed with the old one stop
    // verifying: that is also how to revoke every outstanding link at once.
    this.approvalLinkKey = new kms.Key(this, 'ApprovalLinkKey', {
      alias: `alias/wardflow/${props.environmentName}/approval-links`,
      description: `wardflow ${props.environmentName}: HMAC signatures of emailed approval links`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      enableKeyRotation: false,
      pendingWindow,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    // CloudWatch Logs encrypts a log group with the key only if the key policy lets the regional logs
    // service use it, bound by encryption context to log groups of this account and region
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    const stack = Stack.of(this);
    this.logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        // The action list is the one AWS documents for CloudWatch Logs; the condition is what scopes it.
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    // A state machine that logs and is encrypted with a customer key needs CloudWatch Logs' delivery
    // service to decrypt with it. CDK would add that grant without conditions (see
    // stateMachineKeyReference), so it is granted here, only for data keys made for CloudWatch Logs of
    // this account and region.
    this.stateMachineKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLogDeliveryOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        // The encryption context CDK's StateMachine binds the log data keys to (its role may call
        // GenerateDataKey only with kms:EncryptionContext:SourceArn = arn:...:logs:<region>:<account>:*),
        // so log delivery can decrypt exactly those keys and no other data under this key.
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }),
          },
        },
      }),
    );
  }

  /**
   * The state machine key as the state machine's encryptionConfiguration must see it. Given the key
   * itself, CDK's StateMachine adds a key-policy statement letting delivery.logs.amazonaws.com call
   * kms:Decrypt* with no condition at all; given this reference (same ARN, no key policy to edit),
   * it cannot, and the conditioned statement above is the only one. The role grants CDK adds
   * (kms:Decrypt and GenerateDataKey bound to the state machine's encryption context) are unchanged.
   *
   * @example
   * new sfn.CustomerManagedEncryptionConfiguration(keys.stateMachineKeyReference());
   */
  stateMachineKeyReference(): kms.IKey {
    const existing = this.node.tryFindChild('StateMachineKeyReference') as kms.IKey | undefined;
    return existing ?? kms.Key.fromKeyArn(this, 'StateMachineKeyReference', this.stateMachineKey.keyArn);
  }
}
