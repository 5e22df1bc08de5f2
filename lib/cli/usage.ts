import { DEFAULT_SETTLE_SECONDS } from '../audit/verify-archive.js';
import { MAX_JSON_DEPTH } from '../../functions/shared/json-depth.js';
import { EXECUTION_NAME_RULE } from '../execution-name.js';
import { MAX_INPUT_BYTES } from './input.js';
import { MAX_SCAN_BYTES } from './commands/guard-scan.js';
import { DEFAULT_ROTATION_DAYS } from './doctor-checks.js';
import { DEFAULT_ENVIRONMENT, DEFAULT_LIMIT, EXECUTION_STATUSES, MAX_LIMIT } from './options.js';

const DEFAULT_SETTLE_MINUTES = DEFAULT_SETTLE_SECONDS / 60;

/** The commands runCli handles, one per block, for merging into a larger help text. */
export const CLI_COMMANDS_HELP = `  start <workflow> --input <file|->
                Start an execution of a workflow (see \`executions\` or the stack's outputs for
                their names, e.g. invoice-approval, vendor-bank-details) with a JSON input from a
                file, or from standard input with \`--input -\`. Prints the execution id.
                The input must be a JSON object of at most ${MAX_INPUT_BYTES} bytes, nested at most
                ${MAX_JSON_DEPTH} levels, valid for the workflow; anything else is refused, naming why.
                --name NAME picks the execution name (default: a random UUID):
                ${EXECUTION_NAME_RULE}.
  executions    Recent executions of every workflow, newest first: id, workflow, status, started, stopped.
                --limit N (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}), --status ${EXECUTION_STATUSES.join('|')}.
                When more remain it prints a token; --next-token TOKEN lists the ones after.
  status <execution-id>
                An execution's state and its event history (the execution's stream and its
                approvals'), hash chains verified; <execution-id> is <workflow>:<name>, or a bare
                name looked up in every workflow. Sealed data stays sealed: approvers are shown
                by number (approver #1), never by address.
  approvals     Approvals waiting for a human: workflow, what is asked (the gate's title), expiry, number of approvers.
  audit verify [--from DATE] [--to DATE] [--archive-only]
                Re-read the audit archive and prove every chain: each event's hash, each link to
                the previous event, no version missing, reordered or altered, no item changed
                after its append; and that the archive agrees with the event store (not with
                --archive-only). Events appended in the last ${DEFAULT_SETTLE_MINUTES} minutes and not archived yet
                count as pending. DATE is YYYY-MM-DD (midnight UTC) or an ISO-8601 time with its
                zone; the window runs from --from up to, not including, --to.
                Exit 0: verified; 1: a problem was found (the first is named) or the check failed.
  audit export (--execution ID | --approval ID) [--out DIR]
                A readable report of one execution or approval from the archive, in Markdown and
                JSON: every event, who, when, the decisions and the chain proof. Printed (the
                JSON with --json), or written as two files into DIR with --out, never overwriting.
                Exit 0: the chain proof holds; 1: it does not (the report names the problem) or
                the export failed.
  docs [--out DIR] [--check]
                Write one Markdown page per workflow of this checkout and their index to
                docs/workflows (or DIR), generated from the declarations and cdk.json: purpose,
                owner, review date, steps, data and its classification, secrets and their
                rotation, models, guards, gates (approvers counted, never named), the approval
                policy, alarms with their runbook lines, the controls. No timestamps: unchanged
                declarations give the same bytes. --check writes nothing and exits 1 naming each
                stale or missing page. Needs neither AWS nor the local runtime.
  doctor --env NAME (--profile P | --region R)
                Check the deployed stack wardflow-<env> from the outside, one line per check,
                ok or PROBLEM with its fix: alarm subscriptions confirmed, each secret's value
                younger than its rotation policy (${DEFAULT_ROTATION_DAYS} days unless its workflow says otherwise),
                the audit archiver's stream mapping enabled, archive lag (no data is a problem),
                automatic rotation on for the stack's symmetric keys. Reads metadata only.
                Exit 0: every check holds; 1: a problem was found or the check failed.
  guard scan --jsonl FILE [--guard injection|pii]
                Run one guard (default: injection) over each line {"text": "..."} of a JSON
                Lines file (at most ${MAX_SCAN_BYTES / 1024 / 1024} MiB; blank lines skipped) and print one verdict
                per line: a table of line, flagged, score and the spans' kinds and offsets, or
                with --json one {"flagged", "score", "spans"} object per line (JSON Lines). The
                injection score is the classifier's, 0 to 1; the pii score counts the findings.
                A bad line is named by its number, never quoted. Needs neither AWS nor the
                local runtime.
  help          This text.`;

/** The options of those commands. */
export const CLI_OPTIONS_HELP = `  --data-dir DIR   the local runtime's data folder (default: $WARDFLOW_DATA_DIR or .wardflow/)
  --profile NAME   talk to AWS with this profile instead of the local runtime
  --region NAME    talk to AWS in this region (either --profile or --region selects AWS)
  --env NAME       AWS: the deployed environment, stack wardflow-<env> (default: ${DEFAULT_ENVIRONMENT})
  --json           machine-readable output: one JSON document on stdout, nothing else
  -h, --help       this text`;

/**
 * The help text of `start`, `executions`, `status`, `approvals`, `audit`, `docs`, `doctor`, `guard` and `help`. The CLI talks to
 * the local runtime (`npm start`) unless given a profile or region.
 */
export const CLI_USAGE = `Usage: wardflow <command> [options]
       (in a checkout: npm run wardflow -- <command> [options])

Commands:
${CLI_COMMANDS_HELP}

Options:
${CLI_OPTIONS_HELP}

Without --profile or --region the CLI talks to the local runtime (\`npm start\`), found through
<data folder>/endpoints.json. With them it uses the AWS SDK's credential chain and the outputs of
the CloudFormation stack wardflow-<env>. Exit codes: 0 ok, 1 failed, 2 usage error.`;
