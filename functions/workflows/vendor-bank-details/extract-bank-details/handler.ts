import * as z from 'zod';
import { defineStep } from '#wardflow/step';
import { stepGuards } from '#wardflow/guards';
import { askModel } from '#wardflow/models';
import { BANK_DETAILS_MAX_TOKENS, BANK_DETAILS_SYSTEM_PROMPT, BankDetailsRequest, parseModelBankDetails } from '../domain/bank-details-request.js';
import { LetterText } from '../domain/letter.js';
import { LOCAL_BANK_LETTER_PARSER_ID, LocalBankLetterParserGateway } from '../domain/local-letter-parser.js';

const STEP = 'extract-bank-details';

/** Where MODEL_PROVIDER is local: the labelled letter parser, not AI. */
const LOCAL_STAND_IN = { id: LOCAL_BANK_LETTER_PARSER_ID, create: () => new LocalBankLetterParserGateway() };

/**
 * Asks the model (Bedrock, or the labelled local stand-in) for the vendor, the new IBAN and the
 * effective date in the letter. The answer is validated (an IBAN with a wrong checksum is a
 * ValidationFailed of the model output); ModelInvoked is recorded even when the answer is refused.
 *
 * The letter is its sender's text: an instruction in it is recorded for the approver (`human`; a
 * person decides every change anyway), and personal data and secrets reach the model as typed
 * placeholders. Only the IBAN is put back into the answer, because it is what the change is about.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ letterText: LetterText }),
    output: BankDetailsRequest,
    guards: stepGuards({ untrusted: ['letterText'], injection: { verdict: 'human' }, pii: { verdict: 'redact', restore: ['IBAN'] } }),
  },
  async (input, ctx) => {
    const answer = await askModel(ctx, { step: STEP, system: BANK_DETAILS_SYSTEM_PROMPT, prompt: input.letterText, maxTokens: BANK_DETAILS_MAX_TOKENS, standIn: LOCAL_STAND_IN });
    return parseModelBankDetails(ctx.guards.restore(answer.text));
  },
);
