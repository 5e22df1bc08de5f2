import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { SecretUnavailable } from '../shared/errors.js';
import { describeForLog } from '../shared/middleware/logger.js';
import type { Redactor } from '../shared/middleware/redact.js';
import { problemPage, type Page } from './pages.js';
import { linkOf, methodOf } from './request.js';

type PageMiddleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/**
 * Sent with every answer of the approval site, whatever answers it (the page, an error page,
 * the local runtime's own 400/404/413/500 and landing page): never cached (the link is a
 * credential and the page shows what is being approved), no referrer (the link would leak to any site
 * the page linked to), no sniffing, no framing, and a CSP that allows no script, no external
 * resource, and forms that post only back to the page.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Sent with every answer of the approval page, error pages included: HTML only, and {@link SECURITY_HEADERS}. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  ...SECURITY_HEADERS,
};

/**
 * A page as API Gateway (payload 2.0) returns it.
 *
 * @example
 * toResponse(problemPage('forged')); // { statusCode: 403, headers: { ...PAGE_HEADERS }, body: '<!doctype html>...', isBase64Encoded: false }
 */
export function toResponse(page: Page): APIGatewayProxyStructuredResultV2 {
  return { statusCode: page.statusCode, headers: { ...page.headers, ...PAGE_HEADERS }, body: page.html, isBase64Encoded: false };
}

/**
 * Outermost: correlation ids on every log line (API Gateway's request id, Lambda's), the
 * link and the body registered with the redactor for this invocation (so neither can reach a
 * log line, even by accident), and any failure logged by name and safe message.
 *
 * @example
 * middy(servePage).use(pageLogging({ logger, redactor }));
 */
export function pageLogging(options: { logger: Logger; redactor: Redactor }): PageMiddleware {
  const { logger, redactor } = options;
  return {
    name: 'pageLogging',
    before: async (request) => {
      redactor.beginInvocation();
      const event = request.event as Partial<APIGatewayProxyEventV2> | undefined;
      const link = event ? linkOf(event as APIGatewayProxyEventV2) : undefined;
      if (link) redactor.registerForInvocation(link);
      if (typeof event?.body === 'string') redactor.registerForInvocation(event.body);
      logger.resetKeys();
      logger.appendKeys({
        requestId: stringOr(event?.requestContext?.requestId),
        awsRequestId: stringOr(request.context?.awsRequestId),
        method: event ? methodOf(event as APIGatewayProxyEventV2) || '(none)' : '(none)',
      });
    },
    onError: async (request) => {
      logger.error('approval page failed', { error: describeForLog(request.error), statusCode: request.response?.statusCode });
    },
  };
}

/**
 * Innermost onError: whatever failed, the approver gets a page, never a stack trace or an
 * internal message: 503 when a dependency (KMS, a secret) is out of reach, 500 otherwise,
 * both with the request id to quote.
 *
 * @example
 * middy(servePage).use(errorPages());
 */
export function errorPages(): PageMiddleware {
  return {
    name: 'errorPages',
    onError: async (request) => {
      const event = request.event as Partial<APIGatewayProxyEventV2> | undefined;
      const reference = stringOr(event?.requestContext?.requestId, stringOr(request.context?.awsRequestId));
      const problem = request.error instanceof SecretUnavailable ? 'unavailable' : 'error';
      request.response = toResponse(problemPage(problem, { reference }));
    },
  };
}

/**
 * Puts {@link PAGE_HEADERS} on whatever response leaves, after the handler and after an error page.
 *
 * @example
 * middy(servePage).use(securityHeaders());
 */
export function securityHeaders(): PageMiddleware {
  const apply = async (request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>) => {
    if (request.response) request.response = { ...request.response, headers: { ...request.response.headers, ...PAGE_HEADERS } };
  };
  return { name: 'securityHeaders', after: apply, onError: apply };
}

function stringOr(value: unknown, fallback = '(none)'): string {
  return typeof value === 'string' && value !== '' && value.length <= 128 ? value : fallback;
}
