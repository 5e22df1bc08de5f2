import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
// cdk-nag's own rendering of a resource in a finding id, so the acknowledgement names exactly its finding.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import type { ApprovalSite } from './approval-site.js';
import { type SharedStepProps, WorkflowStep } from './workflow-step.js';

/** The folder of the timer's handler under functions/. */
export const APPROVAL_TIMER_FUNCTION = 'approval-timer';

/** Why CreateSchedule is granted on `schedule/<group>/*`: the cdk-nag acknowledgement repeats it. */
const SCHEDULE_NAMES_REASON =
  'scheduler:CreateSchedule on the schedules of the one approval-timer group only (schedule/<group>/*): each timer is named by a hash of its approval and instant at run time, so the names cannot be listed in advance.';

export interface ApprovalTimerProps {
  /** Table, keys, log settings and caches of the timer function, as every step gets them. */
  readonly shared: SharedStepProps;
  /** The approval site: the timer emails reminders and escalations with its signed links. */
  readonly site: ApprovalSite;
  /** The sender of approval emails in this environment. */
  readonly emailFrom: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The timers of policy gates (reminders, escalation, expiry): an EventBridge Scheduler schedule
 * group `wardflow-<env>-approval-timers` where request-approval, the approval page and the timer
 * itself create one-time schedules (functions/shared/approvals/timer-schedule.ts), the role
 * Scheduler assumes to run them (lambda:InvokeFunction on the approval-timer function, nothing
 * else), and the approval-timer function (functions/approval-timer/handler.ts), which reads the
 * approval, acts on what is due and schedules the next timer.
 *
 * The function's role gets what it does, for the workflows it serves: read and append their
 * approval streams and its audit events on their execution streams, open the sealed approvers and
 * task token, sign links (GenerateMac) and send email as the approval site's senders do, fail or
 * resume the waiting task (SendTaskFailure, SendTaskSuccess) of their state machines, and schedule
 * its next timer.
 *
 * @example
 * const timer = new ApprovalTimer(this, 'ApprovalTimer', { shared, site, emailFrom, removalPolicy });
 * timer.serveWorkflow('expense-claim');
 * timer.grantScheduling(requestApproval);
 */
export class ApprovalTimer extends Construct {
  readonly step: WorkflowStep;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke the timer function. */
  readonly schedulerRole: iam.Role;
  /** `wardflow-<env>-approval-timers`: a plain string, so the grants name it without a token. */
  readonly scheduleGroupName: string;
  /** `wardflow-<env>-approval-timer`, the timer function's physical name. */
  readonly functionName: string;
  /** Its ARN, built from the name. */
  readonly functionArn: string;
  private readonly served = new Set<string>();

  constructor(scope: Construct, id: string, props: ApprovalTimerProps) {
    super(scope, id);
    const env = props.shared.environmentName;
    const stack = Stack.of(this);
    this.scheduleGroupName = `wardflow-${env}-approval-timers`;
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'Schedules', { scheduleGroupName: this.scheduleGroupName, removalPolicy: props.removalPolicy });

    this.step = new WorkflowStep(this, 'Timer', {
      ...props.shared,
      name: APPROVAL_TIMER_FUNCTION,
      events: { append: ['approval'] }, // ApprovalReminderSent, ApprovalEscalated, ApprovalLevelStarted, ApprovalExpired
      // Opens the approvers (to email them) and the task token (to fail the task on expiry); seals nothing.
      sealing: { open: ['approval'] },
      // A reminder or an escalation emails a whole group, one message each.
      timeout: Duration.seconds(60),
      asynchronousFailures:
        'Invoked asynchronously by EventBridge Scheduler: Lambda retries a failed run twice, and a run that still fails leaves the approval as recorded; the gate\'s task timeout (an hour past the policy\'s last deadline) fails the execution closed regardless, so no approval waits forever.',
    });
    props.site.addLinkSender(this.step, props.emailFrom);
    // A fixed name, so its ARN is known without a reference: the timer schedules its own next run
    // (APPROVAL_TIMER_ARN in its own environment), and a GetAtt of itself there would be a cycle.
    this.functionName = `wardflow-${env}-approval-timer`;
    (this.step.fn.node.defaultChild as lambda.CfnFunction).functionName = this.functionName;
    this.functionArn = stack.formatArn({ service: 'lambda', resource: 'function', resourceName: this.functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `wardflow ${env}: EventBridge Scheduler runs the approval timers as this role (invoke the approval-timer function only)`,
      // Only Scheduler acting for this account: the confused-deputy guard AWS documents for Scheduler's execution roles.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeApprovalTimer', actions: ['lambda:InvokeFunction'], resources: [this.functionArn] }),
    );

    this.grantScheduling(this.step);
  }

  /**
   * Lets the timer act on the approvals of one more workflow: its approval and execution streams,
   * and the waiting task of its state machine (SendTaskFailure on expiry, SendTaskSuccess for a
   * decision completed meanwhile). The state machine's ARN is built from its fixed name: a Ref would
   * close a cycle (state machine → request-approval → its APPROVAL_TIMER_ARN → this role → state machine).
   *
   * @example
   * timer.serveWorkflow('expense-claim', 'wardflow-dev-expense-claim');
   */
  serveWorkflow(workflowName: string, stateMachineName: string): void {
    if (this.served.has(workflowName)) return;
    this.served.add(workflowName);
    this.step.serveWorkflow(workflowName);
    const id = workflowName.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
    this.step.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `ResolveWaitingExecution${id}`,
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
  }

  /**
   * Lets a function schedule approval timers: APPROVAL_TIMER_ARN, APPROVAL_TIMER_ROLE_ARN and
   * APPROVAL_SCHEDULE_GROUP in its environment, scheduler:CreateSchedule in the timer group only,
   * and iam:PassRole on the scheduler role only, only to Scheduler.
   *
   * @example
   * timer.grantScheduling(requestApproval);
   */
  grantScheduling(step: WorkflowStep): void {
    const stack = Stack.of(this);
    step.fn.addEnvironment('APPROVAL_TIMER_ARN', this.functionArn);
    step.fn.addEnvironment('APPROVAL_TIMER_ROLE_ARN', this.schedulerRole.roleArn);
    step.fn.addEnvironment('APPROVAL_SCHEDULE_GROUP', this.scheduleGroupName);
    // The group's own schedules; "*" is the schedule name, a hash known only at run time (SCHEDULE_NAMES_REASON).
    const schedules = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    step.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ScheduleApprovalTimers', actions: ['scheduler:CreateSchedule'], resources: [schedules] }));
    step.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassApprovalTimerRole',
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(step.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(schedules))}]`, reason: SCHEDULE_NAMES_REASON });
  }
}
