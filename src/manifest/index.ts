// The manifest stage: read, validate and evaluate an Aspire manifest. Pure: no Pulumi, no cloud.
export * from "./model";
export * from "./diagnostics";
export { own, setOwn } from "./own";
export { imageReferenceProblem, modelNameProblem } from "./identifiers";
export {
  loadManifestFile,
  parseManifestText,
  MAX_MANIFEST_BYTES,
  MAX_NESTING,
  type RawManifest,
} from "./load";
export { checkManifest, checkManifestFile, loadManifest, type CheckResult } from "./validate";
export {
  Evaluator,
  EvaluationError,
  uriEscape,
  valueToText,
  type Placement,
  type EndpointAddress,
  type Value,
  type Part,
  type Slot,
  type ParameterSlot,
} from "./evaluate";
export {
  parseExpression,
  referencesIn,
  type Reference,
  type ExpressionPart,
  type ExpressionField,
} from "./expressions";
export { expressionFields } from "./expression-fields";
export { manifestPlacement } from "./manifest-placement";
export { defaultPort, defaultTargetPort, PROJECT_DEFAULT_PORT } from "./ports";
