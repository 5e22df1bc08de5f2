/**
 * Whether a thrown error is one that passes by itself, so retrying the same call later can
 * succeed: the AWS SDK v3's own classification (`$retryable`, throttling and transient error
 * codes, 5xx answers) and Node's socket errors. Retrying is left to the state machine (as on
 * AWS, Retry on a named error with backoff and jitter); the SDK has already retried each call
 * its default three times by the time this is asked.
 *
 * @example
 * transientKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })); // 'socket error'
 * transientKind(new TypeError('x is undefined')); // undefined
 */
export function transientKind(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { name } = error;
  const code = (error as { code?: unknown }).code;
  const retryable = (error as { $retryable?: unknown }).$retryable;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (TIMEOUTS.has(name) || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout';
  if (THROTTLES.has(name) || (typeof retryable === 'object' && retryable !== null && (retryable as { throttling?: unknown }).throttling === true)) {
    return 'throttle';
  }
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return 'socket error';
  if (SERVICE_FAULTS.has(name) || (typeof status === 'number' && status >= 500 && status <= 599)) return 'service error';
  if (retryable !== undefined && retryable !== null && retryable !== false) return 'service error';
  return undefined;
}

/** Names of the SDK's and Node's timeouts. */
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
/** The SDK's throttling error codes (its THROTTLING_ERROR_CODES), across the services wardflow calls. */
const THROTTLES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
/** The SDK's transient error codes and the services' own "try again" faults. */
const SERVICE_FAULTS = new Set(['InternalServerError', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalServerException', 'KMSInternalException']);
