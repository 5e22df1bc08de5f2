/**
 * `#wardflow/models`: how a step that declares `models: true` talks to a language model:
 * `askModel` (the environment's model, checked against its allow-list before and after the call,
 * the call on record as ModelInvoked), `parseModelAnswer` (the answer as JSON checked against a
 * schema), and for the local runtime a labelled stand-in (not AI) built with `standInAnswer`.
 * The lower-level settings, allow-list and gateway are here too.
 *
 * @example
 * import { askModel, parseModelAnswer } from '#wardflow/models';
 * const standIn = { id: 'local.claim-reader-v1', create: () => new LocalClaimReader() }; // locally, a labelled stand-in (not AI)
 * const answer = await askModel(ctx, { step: 'read-claim', system, prompt: input.claimText, maxTokens: 512, standIn });
 * return parseModelAnswer(answer.text, Claim);
 */
export { assertModelAllowed } from '../models/allow-list.js';
export { askModel, type ModelQuestion } from '../models/ask-model.js';
export { parseModelAnswer } from '../models/model-answer.js';
export { standInAnswer } from '../models/stand-in-answer.js';
export type { ModelGateway, ModelRequest, ModelResponse } from '../models/gateway.js';
export { LOCAL_STAND_IN, readModelSettings, selectGateway, type LocalStandIn, type ModelSettings } from '../models/select-gateway.js';
