// asl-validator ships no types; this covers what the tests use.
declare module 'asl-validator' {
  export default function aslValidator(definition: object): { isValid: boolean; errors: unknown[]; errorsText(separator?: string): string };
}
