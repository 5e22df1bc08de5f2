import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { PaymentFailed } from '../../../functions/shared/errors.js';
import { mapErrors } from '../../../functions/shared/middleware/errors.js';
import { createStepLogger, describeForLog, structuredLogging } from '../../../functions/shared/middleware/logger.js';
import { Redactor } from '../../../functions/shared/middleware/redact.js';
import { captureProcessOutput, lambdaContext, logCapture } from './fixtures.js';

const SECRET = 'sk_live_PLANTED_logger_0004';
const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAPLANTEDTOKEN';

describe('createStepLogger', () => {
  it('writes one JSON line per log with service and step, redacting registered values and credential keys', () => {
    const redactor = new Redactor();
    redactor.register(SECRET);
    const log = logCapture();
    const logger = createStepLogger({ step: 'pay', redactor, sink: log.sink });
    logger.info(`calling with ${SECRET}`, { apiKey: 'unregistered', nested: { list: [SECRET] } });
    logger.error('failed', new Error(`refused ${SECRET}`));
    expect(log.lines).toHaveLength(2);
    const [info, error] = log.records();
    expect(info).toMatchObject({ level: 'INFO', service: 'wardflow', step: 'pay', message: 'calling with [REDACTED]', apiKey: '[REDACTED]', nested: { list: ['[REDACTED]'] } });
    expect(error).toMatchObject({ level: 'ERROR', error: { name: 'Error', message: 'refused [REDACTED]' } });
    expect(log.lines.join('\n')).not.toContain(SECRET);
  });

  it('writes to stdout by default (Lambda ships stdout to CloudWatch), still redacted', async () => {
    const redactor = new Redactor();
    redactor.register(SECRET);
    const logger = createStepLogger({ step: 'pay', redactor });
    const { output } = await captureProcessOutput(async () => logger.warn(`x ${SECRET}`));
    expect(output).toContain('"message":"x [REDACTED]"');
    expect(output).not.toContain(SECRET);
  });
});

describe('structuredLogging middleware', () => {
  it('puts executionId and awsRequestId on every line and redacts the task token', async () => {
    const redactor = new Redactor();
    const log = logCapture();
    const logger = createStepLogger({ step: 'gate', redactor, sink: log.sink });
    const handler = middy(async (event: { executionId: string; taskToken: string; input: unknown }) => {
      logger.info('got token', { tok: event.taskToken, text: `token is ${event.taskToken}` });
      return { ok: true };
    }).use(structuredLogging({ logger, step: 'gate', redactor }));
    await handler({ executionId: 'exec-7', taskToken: TOKEN, input: {} }, lambdaContext('req-7'));
    const records = log.records();
    expect(records.map((r) => r.message)).toEqual(['step started', 'got token', 'step succeeded']);
    for (const r of records) expect(r).toMatchObject({ executionId: 'exec-7', awsRequestId: 'req-7', step: 'gate', service: 'wardflow' });
    expect(records[1]).toMatchObject({ tok: '[REDACTED]', text: 'token is [REDACTED]' });
    expect(log.lines.join('\n')).not.toContain(TOKEN);
  });

  it('does not carry the previous invocation keys over, and logs failures by name without unknown messages', async () => {
    const redactor = new Redactor();
    const log = logCapture();
    const logger = createStepLogger({ step: 's', redactor, sink: log.sink });
    const handler = middy(async (event: { executionId?: string; input?: unknown; fail?: boolean }) => {
      if (event.fail) throw new TypeError('cannot read personal data Jane Doe');
      return 1;
    })
      .use(structuredLogging({ logger, step: 's', redactor }))
      .use(mapErrors({ step: 's', redactor }));
    await handler({ executionId: 'e1', input: {} }, lambdaContext('r1'));
    await expect(handler({ fail: true }, lambdaContext('r2'))).rejects.toMatchObject({ name: 'StepFailed' });
    const last = log.records().at(-1)!;
    expect(last).toMatchObject({ message: 'step failed', executionId: '(none)', awsRequestId: 'r2', error: { name: 'StepFailed' }, cause: { name: 'TypeError', message: '[REDACTED]' } });
    expect(log.lines.join('\n')).not.toContain('Jane Doe');
  });
});

describe('describeForLog', () => {
  it('keeps wardflow error messages (safe by contract) and withholds others', () => {
    expect(describeForLog(new PaymentFailed('status 402'))).toMatchObject({ name: 'PaymentFailed', message: 'Payment failed: status 402.' });
    expect(describeForLog(new RangeError('value 42'))).toMatchObject({ name: 'RangeError', message: '[REDACTED]' });
    expect(describeForLog('a string')).toEqual({ name: 'non-error string', message: '[REDACTED]' });
  });
});
