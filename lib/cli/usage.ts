import { DEFAULT_ENVIRONMENT, DEFAULT_LIMIT, EXECUTION_STATUSES } from './options.js';

/** The commands runCli handles, one per block, for merging into a larger help text. */
export const CLI_COMMANDS_HELP = `  start <workflow> --input <file|->
                Start an execution of a workflow (invoice-approval) with a JSON input from a
                file, or from standard input with \`--input -\`. Prints the execution id.
                --name NAME picks the execution name (default: a random UUID).
  executions    Recent executions, newest first: id, status, started, stopped.
                --limit N (default ${DEFAULT_LIMIT}), --status ${EXECUTION_STATUSES.join('|')}
  status <execution-id>
                An execution's state and its event history (the execution's stream and its
                approvals'), hash chains verified. Sealed data stays sealed: approvers are shown
                by number (approver #1), never by address.
  approvals     Approvals waiting for a human: vendor, invoice, amount, expiry, number of approvers.
  help          This text.`;

/** The options of those commands. */
export const CLI_OPTIONS_HELP = `  --data-dir DIR   the local runtime's data folder (default: $WARDFLOW_DATA_DIR or .wardflow/)
  --profile NAME   talk to AWS with this profile instead of the local runtime
  --region NAME    talk to AWS in this region (either --profile or --region selects AWS)
  --env NAME       AWS: the deployed environment, stack wardflow-<env> (default: ${DEFAULT_ENVIRONMENT})
  --json           machine-readable output: one JSON document on stdout, nothing else
  -h, --help       this text`;

/**
 * The help text of `start`, `executions`, `status`, `approvals` and `help`. The CLI talks to
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
