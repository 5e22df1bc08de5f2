import { describe, expect, it } from 'vitest';
import { approvalSettings } from '../../../functions/request-approval/settings.js';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';

/**
 * request-approval's settings: who approves (APPROVERS, a JSON array of addresses), how long the
 * gate waits and whose gate it is (WORKFLOW_NAME). A missing or malformed variable is
 * ConfigurationInvalid naming it and never quoting its value: the addresses are personal data.
 */
const PLANTED = 'planted.settings+5e2b@example.test';
const ENV = { APPROVERS: JSON.stringify(['approver@example.com', 'deputy@example.com']), APPROVAL_TIMEOUT_SECONDS: '86400', WORKFLOW_NAME: 'purchase-orders' };

function refusal(env: NodeJS.ProcessEnv): ConfigurationInvalid {
  try {
    approvalSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    return error as ConfigurationInvalid;
  }
  throw new Error('test: expected the settings to be refused');
}

describe('approvalSettings', () => {
  it('reads the approvers in order, the timeout and the workflow', () => {
    expect(approvalSettings(ENV)).toEqual({ approvers: ['approver@example.com', 'deputy@example.com'], timeoutSeconds: 86400, workflow: 'purchase-orders' });
    const twenty = Array.from({ length: 20 }, (_, i) => `approver${i}@example.com`);
    expect(approvalSettings({ ...ENV, APPROVERS: JSON.stringify(twenty) }).approvers).toEqual(twenty);
  });

  it.each([
    ['not JSON', `[${PLANTED}`],
    ['one address, not a list', JSON.stringify(PLANTED)],
    ['an empty list', '[]'],
    ['more than 20', JSON.stringify(Array.from({ length: 21 }, (_, i) => `a${i}.${PLANTED}`))],
    ['a non-address in the list', JSON.stringify([PLANTED, `not-an-address ${PLANTED.split('@')[0]}`])],
    ['a number in the list', JSON.stringify([PLANTED, 7])],
    ['the same address twice, in another case', JSON.stringify([PLANTED, PLANTED.toUpperCase()])],
    ['an object', JSON.stringify({ approvers: [PLANTED] })],
  ])('refuses APPROVERS as %s, naming the variable and no address', (_, value) => {
    const error = refusal({ ...ENV, APPROVERS: value });
    expect(error.message).toBe('Configuration is invalid: APPROVERS malformed (APPROVERS: a JSON array of 1 to 20 distinct email addresses).');
    const said = JSON.stringify({ message: error.message, details: error.details }).toLowerCase();
    expect(said).not.toContain(PLANTED.toLowerCase());
    expect(said).not.toContain('planted.settings');
  });

  it.each([
    ['APPROVERS', { APPROVERS: undefined }],
    ['APPROVERS', { APPROVERS: '' }],
    ['WORKFLOW_NAME', { WORKFLOW_NAME: undefined }],
    ['WORKFLOW_NAME', { WORKFLOW_NAME: ' ' }],
    ['APPROVAL_TIMEOUT_SECONDS', { APPROVAL_TIMEOUT_SECONDS: undefined }],
  ])('refuses a missing %s, naming it', (name, change) => {
    expect(refusal({ ...ENV, ...change }).message).toContain(`environment variable ${name} is not set`);
  });

  it.each(['purchase orders', 'a'.repeat(81), '-leading-dash', 'orders/1', 'ordres\u0000'])('refuses WORKFLOW_NAME=%j, naming it', (value) => {
    const error = refusal({ ...ENV, WORKFLOW_NAME: value });
    expect(error.message).toBe('Configuration is invalid: WORKFLOW_NAME malformed (WORKFLOW_NAME: letters, digits, - and _, at most 80 characters).');
  });

  it.each(['59', '31536001', '1.5', 'a day'])('refuses APPROVAL_TIMEOUT_SECONDS=%j, naming it', (value) => {
    expect(refusal({ ...ENV, APPROVAL_TIMEOUT_SECONDS: value }).message).toContain(': APPROVAL_TIMEOUT_SECONDS malformed (APPROVAL_TIMEOUT_SECONDS: whole seconds between 60 and 31536000)');
  });
});
