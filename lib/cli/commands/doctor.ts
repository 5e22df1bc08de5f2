import type { AnyWorkflow } from '../../workflows/workflow-definition.js';
import { type CheckResult, checkArchiveLag, checkKey, checkMappings, checkSecretAge, checkSubscriptions } from '../doctor-checks.js';
import { type DoctorClients, doctorClients, secretFacts, stackFacts } from '../doctor-facts.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';
import { asCliError } from '../sdk-errors.js';

/**
 * `wardflow doctor --env ENV (--profile P | --region R) [--json]`: checks a deployed stack from
 * the outside and prints one line per check, `ok` or `PROBLEM` with what to do: the alarm topic's
 * subscriptions confirmed, each secret's value younger than its rotation policy, the audit
 * archiver's event-source mapping enabled, the archive's lag, and automatic rotation on for the
 * stack's symmetric keys. Exit 0 when all hold, 1 when any does not. Reads metadata only: no
 * secret value, no event, no address in clear (e-mail subscriptions masked, webhooks by host).
 *
 * @example
 * await doctorCommand(parseCommandLine(['doctor', '--env', 'prod', '--profile', 'prod-readonly']), io);
 */
export async function doctorCommand(line: CommandLine, io: CliIo, options: { clients?: DoctorClients; now?: Date; workflows?: readonly AnyWorkflow[] } = {}): Promise<number> {
  if (line.target.mode !== 'aws') throw new Error('doctorCommand needs an AWS target');
  const { environment, region, profile } = line.target;
  const where = [region ? `region ${region}` : "the profile's region", profile ? `profile ${profile}` : 'default credentials'].join(', ');
  const owned = options.clients === undefined ? doctorClients({ ...(region ? { region } : {}), ...(profile ? { profile } : {}) }) : undefined;
  const clients = options.clients ?? (owned as DoctorClients);
  const now = options.now ?? new Date();
  let results: CheckResult[];
  let stackName: string;
  try {
    const facts = await stackFacts(clients, environment, now, where);
    stackName = facts.stackName;
    const workflows = options.workflows ?? (await import('../../../statemachines/index.js')).WORKFLOWS;
    const secrets = await secretFacts(clients.secrets, facts.secretArns, (workflow, secret) => workflows.find((w) => w.name === workflow)?.secrets?.[secret]?.rotationDays);
    results = [
      ...checkSubscriptions(facts.topic, facts.subscriptions),
      ...secrets.map((secret) => checkSecretAge(secret, now)),
      ...checkMappings(facts.archiverFunction, facts.mappings),
      checkArchiveLag(facts.archiverFunction, facts.newestMaxIteratorAgeMs),
      ...facts.keys.map(checkKey),
    ];
  } catch (error) {
    throw asCliError(error, { mode: 'aws', where: `stack wardflow-${environment} (${where})`, profile });
  } finally {
    owned?.destroy();
  }
  const problems = results.filter((r) => !r.ok).length;
  if (line.json) {
    printJson(io, { stack: stackName, checkedAt: now.toISOString(), ok: problems === 0, checks: results });
  } else {
    for (const result of results) io.out(formatCheck(result));
    io.out(problems === 0 ? `${stackName}: every check holds.` : `${stackName}: ${problems} ${problems === 1 ? 'problem' : 'problems'} to fix.`);
  }
  return problems === 0 ? 0 : 1;
}

/**
 * One line of the report.
 *
 * @example
 * formatCheck({ check: 'key-rotation', subject: 'TableKey', ok: false, message: 'automatic rotation is off', fix: 'turn it on' });
 * // 'PROBLEM  key-rotation  TableKey: automatic rotation is off. Fix: turn it on'
 */
export function formatCheck(result: CheckResult): string {
  return result.ok ? `ok       ${result.check}  ${result.subject}: ${result.message}` : `PROBLEM  ${result.check}  ${result.subject}: ${result.message}. Fix: ${result.fix ?? 'see docs/cli.md'}`;
}
