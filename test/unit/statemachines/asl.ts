import { createRequire } from 'node:module';

/** Reading a synthesized state machine definition in tests. */

export type State = Record<string, unknown> & { Type: string };
export interface Asl {
  StartAt: string;
  TimeoutSeconds?: number;
  Comment?: string;
  States: Record<string, State>;
}

type Intrinsic = { Ref?: string; 'Fn::GetAtt'?: [string, string] };

/** A DefinitionString as synthesized (`Fn::Join` of text and references) as text, each reference rendered by `part`. */
function definitionText(definitionString: unknown, part: (reference: Intrinsic) => string): string {
  const render = (p: unknown): string => {
    if (typeof p === 'string') return p;
    const reference = p as Intrinsic;
    if (reference.Ref === undefined && reference['Fn::GetAtt'] === undefined) throw new Error(`test: unexpected intrinsic ${JSON.stringify(p)}`);
    return part(reference);
  };
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join === undefined ? String(definitionString) : join[1].map(render).join(join[0]);
}

/**
 * The definition as deployed, with CloudFormation references replaced by placeholders:
 * `{ "Fn::GetAtt": ["InvoiceApprovalPayInvoiceFunctionF0AABAA2", "Arn"] }` becomes
 * `${InvoiceApprovalPayInvoiceFunction.Arn}`: the hash suffix of logical ids is dropped so the
 * snapshot reads like the process, unless `keepLogicalIds` (to look the function up in the template).
 */
export function renderDefinition(definitionString: unknown, options: { keepLogicalIds?: boolean } = {}): Asl {
  const id = (logicalId: string) => (options.keepLogicalIds === true ? logicalId : logicalId.replace(/[0-9A-F]{8}$/, ''));
  return JSON.parse(
    definitionText(definitionString, (reference) =>
      reference.Ref !== undefined ? `\${${id(reference.Ref)}}` : `\${${id(reference['Fn::GetAtt']![0])}.${reference['Fn::GetAtt']![1]}}`,
    ),
  ) as Asl;
}

/**
 * The definition as Step Functions would receive it in one account and region: pseudo parameters
 * and function ARNs filled in with plausible values, so a validator's ARN checks apply.
 */
export function concreteDefinition(definitionString: unknown): Asl {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '111122223333', 'AWS::URLSuffix': 'amazonaws.com' };
  return JSON.parse(
    definitionText(definitionString, (reference) => {
      if (reference.Ref !== undefined) {
        const value = pseudo[reference.Ref];
        if (value === undefined) throw new Error(`test: unexpected Ref ${reference.Ref} in a definition`);
        return value;
      }
      const [logicalId, attribute] = reference['Fn::GetAtt']!;
      if (attribute !== 'Arn') throw new Error(`test: unexpected Fn::GetAtt ${logicalId}.${attribute} in a definition`);
      return `arn:aws:lambda:eu-west-1:111122223333:function:${logicalId}`;
    }),
  ) as Asl;
}

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: Array<{ message?: string }>; errorsText: (separator?: string) => string };

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/**
 * What asl-validator finds wrong with a definition (the Amazon States Language schema, transition
 * targets, terminal states, JsonPath expressions and ARNs); empty when it is valid.
 *
 * @example
 * expect(aslProblemsOf(concreteDefinition(machine.Properties.DefinitionString))).toEqual([]);
 */
export function aslProblemsOf(definition: Asl): string[] {
  // The validator writes QueryLanguage into the states it reads: hand it a copy.
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errorsText('\n').split('\n');
}
