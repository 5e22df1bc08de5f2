import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The dead-letter queue of a background consumer (the audit archiver, the execution-end
 * recorder): encrypted with the messaging key, TLS only, and kept for SQS's maximum of 14 days,
 * the time to fix the cause and replay each message by hand. Its id in `scope` is `DeadLetters`.
 *
 * @example
 * this.deadLetters = deadLetterQueue(this, props.messagingKey, 'the audit archiver');
 */
export function deadLetterQueue(scope: Construct, key: kms.IKey, whose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, 'DeadLetters', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const isDeadLetterQueue = `This queue is itself the dead-letter queue of ${whose}; nothing reads it automatically, so there is nothing to fail into a further queue.`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue });
  Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue });
  return queue;
}
