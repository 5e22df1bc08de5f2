import { KMSClient } from '@aws-sdk/client-kms';
import { TEST_CREDENTIALS, TEST_REGION } from './dynalite.js';

/**
 * A KMS client that rewrites the encryption context of every call on its way out (a changed
 * `wardflow:version`), as a compromised caller would: only the KMS service can notice, so a
 * Decrypt through it proves the service binds the context. The caller destroys it.
 */
export function contextRewritingKmsClient(endpoint: string): KMSClient {
  const client = new KMSClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { EncryptionContext?: Record<string, string> };
      if (input.EncryptionContext) input.EncryptionContext = { ...input.EncryptionContext, 'wardflow:version': '99' };
      return next(args);
    },
    { step: 'initialize', name: 'rewriteEncryptionContext' },
  );
  return client;
}
