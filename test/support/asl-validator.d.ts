/** Types for asl-validator 4 (the package ships none): `aslValidator(definition, options)`. */
declare module "asl-validator" {
  export interface AslValidatorError {
    readonly path?: string;
    readonly message: string;
    readonly [key: string]: unknown;
  }
  export interface AslValidatorOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  export default function aslValidator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): {
    readonly isValid: boolean;
    readonly errors: readonly AslValidatorError[];
    readonly errorsText: (sep?: string) => string;
  };
}
