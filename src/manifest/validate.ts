// Validates a parsed manifest as a whole: every resource on its own (parse-resource.ts), then the
// references between them. A resource is rejected when it cannot run on an Arm VM, when one of
// its references cannot be resolved, or when it references a rejected resource (transitively),
// so that the user sees every resource that has to change, not just the first.
import { diagnostic, ManifestError, type Diagnostic } from "./diagnostics";
import { Evaluator, EvaluationError } from "./evaluate";
import { expressionFields } from "./expression-fields";
import { referencesIn, type ExpressionField } from "./expressions";
import { isObject } from "./field-reader";
import { modelNameProblem } from "./identifiers";
import { loadManifestFile, type RawManifest } from "./load";
import { manifestPlacement } from "./manifest-placement";
import type { Manifest, Resource } from "./model";
import { parseResource } from "./parse-resource";
import { referenceProblem } from "./references";

export interface CheckResult {
  readonly file: string;
  /** Set only when there is no error: every resource can be deployed. */
  readonly manifest?: Manifest;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

/** Checks one manifest file; never throws for bad input. */
export function checkManifestFile(file: string): CheckResult {
  let raw: RawManifest;
  try {
    raw = loadManifestFile(file);
  } catch (e) {
    if (e instanceof ManifestError) return { file, errors: e.diagnostics, warnings: [] };
    throw e;
  }
  return checkManifest(raw);
}

/** Loads a manifest that must be deployable; throws ManifestError listing every problem otherwise. */
export function loadManifest(file: string): {
  manifest: Manifest;
  warnings: readonly Diagnostic[];
} {
  const result = checkManifestFile(file);
  if (!result.manifest) throw new ManifestError(file, result.errors);
  return { manifest: result.manifest, warnings: result.warnings };
}

export function checkManifest(raw: RawManifest): CheckResult {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const doc = raw.document;
  const resourcesDoc = isObject(doc) ? doc.resources : undefined;
  if (!isObject(resourcesDoc)) {
    const what = isObject(doc)
      ? doc.resources === undefined
        ? 'has no "resources" object'
        : 'has a "resources" field that is not an object'
      : "is not a JSON object";
    errors.push(
      diagnostic(
        null,
        null,
        `the manifest ${what}. An Aspire manifest is {"resources": {"name": {"type": ...}, ...}}.`,
      ),
    );
    return { file: raw.file, errors, warnings };
  }
  if (isObject(doc))
    for (const key of Object.keys(doc))
      if (key !== "resources" && key !== "$schema")
        warnings.push(diagnostic(null, key, `unknown top-level field ${key} is ignored.`));

  // 1. Each resource on its own.
  const parsed = new Map<string, { resource?: Resource; expressions: ExpressionField[] }>();
  const byLowerName = new Map<string, string>();
  for (const [name, body] of Object.entries(resourcesDoc)) {
    const clash = byLowerName.get(name.toLowerCase());
    if (clash !== undefined)
      errors.push(
        diagnostic(
          name,
          null,
          `resource names are compared case-insensitively by Aspire, and ${name} clashes with ${clash}. Rename one of them.`,
        ),
      );
    byLowerName.set(name.toLowerCase(), name);
    // Names go into container, unit, DNS and cloud resource names: only Aspire's own are safe in all.
    const badName = modelNameProblem("resource", name);
    if (badName) {
      errors.push(diagnostic(name, null, badName));
      parsed.set(name, { expressions: [] });
      continue;
    }
    const p = parseResource(name, body, raw.dir, errors, warnings);
    const expressions = p.resource ? expressionFields(p.resource) : [];
    parsed.set(name, {
      resource: p.resource,
      expressions: [...expressions, ...p.deploymentExpressions],
    });
  }
  const resolveName = (segment: string) => byLowerName.get(segment.toLowerCase());
  const rejected = new Set([...parsed].filter(([, p]) => !p.resource).map(([name]) => name));
  const firstBadReference = (text: string) => {
    for (const ref of referencesIn(text, resolveName)) {
      if (ref.resource !== "" && rejected.has(ref.resource)) continue; // reported by the propagation below
      const problem = referenceProblem(
        ref.resource === "" ? undefined : parsed.get(ref.resource)?.resource,
        ref,
      );
      if (problem) return { ref, problem };
    }
    return undefined;
  };

  // 2. References that cannot be resolved. A deployment section is ignored only when it needs
  //    nothing but the manifest; one that needs Azure-only values (environment outputs, the image
  //    and port an Azure deployer fills in) marks a resource built for Azure compute.
  for (const [name, p] of parsed) {
    if (!p.resource) continue;
    for (const { field, text } of p.expressions) {
      const bad = firstBadReference(text);
      if (!bad) continue;
      const { ref, problem } = bad;
      const fix = field.startsWith("deployment.")
        ? "Its deployment section is for Azure Container Apps or App Service: remove PublishAsAzureContainerApp, PublishAsAzureAppServiceWebsite or the Azure compute environment from the AppHost and publish the manifest again."
        : "Fix the AppHost and publish the manifest again.";
      errors.push(
        diagnostic(name, field, `bad reference ${ref.text} in ${name}.${field}: ${problem} ${fix}`),
      );
      rejected.add(name);
      break;
    }
  }

  // 3. Rejection spreads to every resource that references a rejected one, until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, p] of parsed) {
      if (rejected.has(name)) continue;
      const hit = firstReferenceTo(p.expressions, rejected, name, resolveName);
      if (!hit) continue;
      const inDeployment = hit.field.startsWith("deployment.")
        ? " (in its Azure deployment section)"
        : "";
      errors.push(
        diagnostic(
          name,
          hit.field,
          `references unsupported ${hit.target}${inDeployment} through ${hit.text}, so it cannot run without it. Fix ${hit.target} first, or remove this reference from the AppHost.`,
        ),
      );
      rejected.add(name);
      changed = true;
    }
  }

  // 4. Evaluate everything that is left, to find reference cycles.
  const valid = new Map<string, Resource>();
  for (const [name, p] of parsed)
    if (p.resource && !rejected.has(name)) valid.set(name, p.resource);
  for (const [name, resource] of valid)
    if (
      isObject(resourcesDoc[name]) &&
      (resourcesDoc[name] as { deployment?: unknown }).deployment !== undefined
    )
      warnings.push(
        diagnostic(
          name,
          "deployment",
          `the deployment section describes Azure compute and is ignored: the resource runs on the VM as a ${resource.kind.replace(/v1$/, "v0")}.`,
        ),
      );
  const manifest: Manifest = { file: raw.file, dir: raw.dir, resources: valid };
  const evaluator = new Evaluator(manifest, manifestPlacement);
  const reported = new Set<string>();
  for (const [name, resource] of valid) {
    for (const { field, text } of expressionFields(resource)) {
      try {
        evaluator.evaluate(name, text, { resource: name, field });
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
        // A cycle is met from each resource on it, entered at a different point: report it once.
        const id = e.cycle ? [...e.cycle].sort().join("\u0000") : e.diagnostic.message;
        if (!reported.has(id)) errors.push(e.diagnostic);
        reported.add(id);
        break;
      }
    }
  }

  return errors.length
    ? { file: raw.file, errors, warnings }
    : { file: raw.file, manifest, errors, warnings };
}

function firstReferenceTo(
  expressions: readonly ExpressionField[],
  rejected: ReadonlySet<string>,
  self: string,
  resolveName: (s: string) => string | undefined,
) {
  for (const { field, text } of expressions)
    for (const ref of referencesIn(text, resolveName))
      if (ref.resource !== self && rejected.has(ref.resource))
        return { field, target: ref.resource, text: ref.text };
  return undefined;
}
