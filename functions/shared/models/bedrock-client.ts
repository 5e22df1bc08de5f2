import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { environmentClient } from '../environment-clients.js';

type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

let bedrockSdk: Promise<BedrockSdk> | undefined;
let loaded: BedrockSdk | undefined;

/**
 * The Bedrock client's module, loaded at the first call instead of when the handler loads: with
 * its event-stream support it costs 15-25 ms of a cold start, and a step with the local stand-in
 * (the local runtime, the tests) never calls Bedrock. Shared by the model gateway and the
 * guardrail, so the module is loaded once.
 */
export const loadBedrockSdk = (): Promise<BedrockSdk> =>
  (bedrockSdk ??= import('@aws-sdk/client-bedrock-runtime').then((sdk) => {
    loaded = sdk;
    return sdk;
  }));

/** One client per container, built from the environment at its first use (environment-clients.ts forgets it with the others). */
const client = environmentClient<BedrockRuntimeClient>(() => new loaded!.BedrockRuntimeClient({}));

/**
 * The container's BedrockRuntimeClient: the model gateway's Converse calls and the guardrail's
 * ApplyGuardrail calls share it, and with it its connections and credentials.
 *
 * @example
 * const { ApplyGuardrailCommand } = await loadBedrockSdk();
 * await (await bedrockRuntimeClient()).send(new ApplyGuardrailCommand({ ... }));
 */
export async function bedrockRuntimeClient(): Promise<BedrockRuntimeClient> {
  await loadBedrockSdk();
  return client.get();
}
