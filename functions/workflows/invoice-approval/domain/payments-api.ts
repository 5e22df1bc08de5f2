import * as z from 'zod';
import { ConfigurationInvalid, PaymentFailed } from '#wardflow/step';

/** What is paid: the invoice's facts, and the key that makes a retried payment a no-op. */
export interface PaymentRequest {
  /** Sent as the Idempotency-Key header: the execution id, so a retried step pays once. */
  idempotencyKey: string;
  vendor: string;
  invoiceNumber: string;
  currency: string;
  /** Decimal string, e.g. "4999.99". */
  amount: string;
}

export interface PaymentsApi {
  /** `http` moves money; `ledger-only` records the intent and moves nothing. */
  readonly mode: 'http' | 'ledger-only';
  pay(request: PaymentRequest, apiKey: string): Promise<{ paymentId: string }>;
}

const PaymentResponse = z.object({ paymentId: z.string().min(1).max(200).regex(/^[A-Za-z0-9_:.\-]+$/) });

export interface HttpPaymentsApiOptions {
  /** https, or http to localhost for local test servers. */
  url: string;
  /** @default 10000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A payments provider over HTTPS: POST with `Authorization: Bearer <key>` and
 * `Idempotency-Key: <execution id>`, expecting `{ "paymentId": "..." }`. Failures become
 * `PaymentFailed` naming the HTTP status only; the response body may echo the request.
 *
 * @example
 * const api = new HttpPaymentsApi({ url: 'https://payments.example.com/v1/payments' });
 * const { paymentId } = await api.pay({ idempotencyKey: executionId, ...invoice }, apiKey);
 */
export class HttpPaymentsApi implements PaymentsApi {
  readonly mode = 'http' as const;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: HttpPaymentsApiOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new ConfigurationInvalid('PAYMENTS_API_URL is not a URL');
    }
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
      throw new ConfigurationInvalid('PAYMENTS_API_URL must use https (plain http is allowed for localhost only)');
    }
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async pay(request: PaymentRequest, apiKey: string): Promise<{ paymentId: string }> {
    const { idempotencyKey, ...payment } = request;
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'idempotency-key': idempotencyKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify(payment),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new PaymentFailed('the payments API could not be reached or timed out; the step may be retried safely (same Idempotency-Key)');
    }
    if (!response.ok) {
      throw new PaymentFailed(`the payments API answered HTTP ${response.status}; check the API key secret and the provider's status`);
    }
    const body = PaymentResponse.safeParse(await response.json().catch(() => undefined));
    if (!body.success) throw new PaymentFailed('the payments API answered without a valid paymentId');
    return { paymentId: body.data.paymentId };
  }
}

/**
 * NO MONEY MOVES. Used when PAYMENTS_API_URL is unset (local runtime, demos): the payment
 * is only recorded, as `mode: 'ledger-only'`, with a deterministic id so a retry records
 * the same payment.
 *
 * @example
 * await new LedgerOnlyPayments().pay({ idempotencyKey: 'exec-1', ...invoice }, key); // { paymentId: 'ledger-exec-1' }
 */
export class LedgerOnlyPayments implements PaymentsApi {
  readonly mode = 'ledger-only' as const;

  async pay(request: PaymentRequest, _apiKey: string): Promise<{ paymentId: string }> {
    return { paymentId: `ledger-${request.idempotencyKey}` };
  }
}

/**
 * The payments API of this environment: HTTP when PAYMENTS_API_URL is set, else ledger-only.
 *
 * @example
 * const api = paymentsApiFromEnvironment(process.env);
 */
export function paymentsApiFromEnvironment(env: NodeJS.ProcessEnv = process.env): PaymentsApi {
  const url = env.PAYMENTS_API_URL?.trim();
  return url ? new HttpPaymentsApi({ url }) : new LedgerOnlyPayments();
}
