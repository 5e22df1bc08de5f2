/** Reading a synthesized state machine definition in tests. */

export type State = Record<string, unknown> & { Type: string };
export interface Asl {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

/**
 * The definition as deployed, with CloudFormation references replaced by stable placeholders:
 * `{ "Fn::GetAtt": ["PayInvoiceFunctionD169EC0C", "Arn"] }` becomes `${PayInvoiceFunction.Arn}`
 * (the hash suffix of logical ids is dropped so the snapshot reads like the process).
 */
export function renderDefinition(definitionString: unknown): Asl {
  const stable = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');
  const part = (p: unknown): string => {
    if (typeof p === 'string') return p;
    const ref = p as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (ref.Ref !== undefined) return `\${${stable(ref.Ref)}}`;
    if (ref['Fn::GetAtt'] !== undefined) return `\${${stable(ref['Fn::GetAtt'][0])}.${ref['Fn::GetAtt'][1]}}`;
    throw new Error(`test: unexpected intrinsic ${JSON.stringify(p)}`);
  };
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  const text = join === undefined ? String(definitionString) : join[1].map(part).join(join[0]);
  return JSON.parse(text) as Asl;
}
