/**
 * `#wardflow/models`: how a step that declares `models: true` talks to a language model: the
 * environment's model settings (MODEL_PROVIDER, MODEL_ID, ALLOWED_MODELS, set by the platform),
 * the allow-list check, and the gateway (Bedrock on AWS; locally, the workflow's labelled
 * stand-in, which is not AI).
 *
 * @example
 * import { assertModelAllowed, readModelSettings, selectGateway } from '#wardflow/models';
 * const settings = readModelSettings();
 * assertModelAllowed(settings.modelId, settings.allowedModels);
 * const standIn = { id: 'local.claim-reader-v1', create: () => new LocalClaimReader() }; // locally, a labelled stand-in (not AI)
 * const answer = await selectGateway(settings.provider, { standIn }).converse({ modelId: settings.modelId, system, prompt, maxTokens: 512 });
 */
export { assertModelAllowed } from '../models/allow-list.js';
export type { ModelGateway, ModelRequest, ModelResponse } from '../models/gateway.js';
export { LOCAL_STAND_IN, readModelSettings, selectGateway, type LocalStandIn, type ModelSettings } from '../models/select-gateway.js';
