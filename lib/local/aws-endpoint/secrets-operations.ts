import type { LocalSecrets } from './secrets.js';
import { epochSeconds, optionalString, requiredString, type Operation, type OperationTable } from './wire.js';

/**
 * The Secrets Manager operation (AWS JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`)
 * the local AWS endpoint answers: the only one the steps make. Every other operation is
 * unknown here, so a step that starts calling another one fails loudly in local mode too.
 *
 * @example
 * const operations = secretsOperations(LocalSecrets.fromDataFolder(folder, 'us-east-1'));
 * await operations.get('GetSecretValue')?.({ SecretId: 'wardflow/local/payments-api-key' });
 */
export function secretsOperations(secrets: LocalSecrets): OperationTable {
  return new Map<string, Operation>([
    ['GetSecretValue', (request) => {
      const value = secrets.getSecretValue({
        secretId: requiredString(request, 'SecretId'),
        versionId: optionalString(request, 'VersionId'),
        versionStage: optionalString(request, 'VersionStage'),
      });
      return { ...value, CreatedDate: epochSeconds(value.CreatedDate) };
    }],
  ]);
}
