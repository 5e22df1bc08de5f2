import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ENVIRONMENT_NAME } from '../../functions/shared/config.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import type { AlarmSubscriber } from '../config/environments.js';

export interface AlarmTopicProps {
  /** Environment name: the topic is `wardflow-<environmentName>-alarms`. */
  readonly environmentName: string;
  /**
   * Customer-managed key of the topic. Its key policy gets a statement letting CloudWatch alarms
   * encrypt messages to this topic, so it must be a key of this app, not an imported one.
   */
  readonly encryptionKey: kms.IKey;
  /**
   * Who hears the alarms: the environment's `alarmSubscribers` (cdk.json). E-mail recipients and
   * HTTPS endpoints each confirm their subscription once, from the message SNS sends them.
   * @default - none
   */
  readonly subscribers?: readonly AlarmSubscriber[];
}

/**
 * The one SNS topic of an environment that every alarm notifies (`wardflow-<env>-alarms`):
 * KMS-encrypted, TLS only. Its subscribers are the environment's settings (`alarmSubscribers` in
 * cdk.json), so who is paged is reviewed with the rest of the environment and no address lives in
 * the code.
 *
 * @example
 * const alarms = new AlarmTopic(this, 'Alarms', { environmentName: 'dev', encryptionKey: keys.messagingKey });
 * alarms.alarm(this, 'Errors', { alarmName, alarmDescription, metric: fn.metricErrors(), threshold: 1, comparisonOperator });
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (!ENVIRONMENT_NAME.test(props.environmentName)) {
      throw new ConfigurationInvalid('AlarmTopic.environmentName must be lower-case letters, digits and dashes (it becomes part of the topic name)');
    }
    const stack = Stack.of(this);
    const topicName = `wardflow-${props.environmentName}-alarms`;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: `wardflow ${props.environmentName} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });

    // A topic policy replaces SNS's default one, which let the account publish; CloudWatch, a service
    // and not an IAM principal of this account, needs a statement of its own: only alarms of this
    // account and region (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisAccountToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );

    // SNS encrypts each message with a data key it asks KMS for on behalf of the publisher, here
    // CloudWatch, which has no IAM policy to grant it: the key policy must. Bound by the encryption
    // context SNS sends (the topic's ARN) to this one topic. The ARN is built from the fixed name, not
    // taken from the topic: the topic refers to the key, so the key's policy cannot refer to the topic.
    const allowed = props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({ service: 'sns', resource: topicName }) } },
      }),
    );
    if (!allowed.statementAdded) {
      throw new ConfigurationInvalid(
        'AlarmTopic.encryptionKey must be a KMS key defined in this app (e.g. EncryptionKeys.messagingKey): its key policy has to let CloudWatch alarms encrypt to the topic',
      );
    }
    this.action = new SnsAction(this.topic);

    for (const subscriber of props.subscribers ?? []) {
      const subscription = this.topic.addSubscription(
        subscriber.protocol === 'email'
          ? new subscriptions.EmailSubscription(subscriber.endpoint)
          : // Raw delivery off: the endpoint gets SNS's JSON envelope, whose Type and SubscribeURL let it confirm the
            // subscription and whose signature lets it check the message came from SNS.
            new subscriptions.UrlSubscription(subscriber.endpoint, { protocol: sns.SubscriptionProtocol.HTTPS, rawMessageDelivery: false }),
      );
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An alarm notification SNS cannot deliver after its retries would wait in a queue nobody is paged about; the alarm itself stays in ALARM in CloudWatch and on the dashboard, and wardflow doctor flags unconfirmed subscriptions.',
      });
    }
  }

  /**
   * An alarm in `scope` that notifies this topic. Unless `props` say otherwise it fires on one
   * breaching period and takes missing data as fine: the metrics wardflow alarms on (queue depth,
   * errors, iterator age) publish nothing while nothing happens.
   *
   * @example
   * alarms.alarm(this, 'ErrorAlarm', { alarmName: 'wardflow-dev-x-errors', alarmDescription: 'What failed; what to do.',
   *   metric: fn.metricErrors(), threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });
   */
  alarm(scope: Construct, id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    this.notify(alarm);
    return alarm;
  }

  /**
   * Sends an alarm's transitions to the topic: into ALARM, and back to OK so on-call knows it cleared.
   *
   * @example
   * alarms.notify(new cloudwatch.Alarm(this, 'Latency', { ... }));
   */
  notify(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }
}
