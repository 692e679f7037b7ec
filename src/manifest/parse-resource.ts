// Turns one resource object of a manifest into the typed model, or into diagnostics.
import * as path from "node:path";
import { x86OnlyImageMessage } from "./arm64-images";
import type { Diagnostic } from "./diagnostics";
import { FieldReader, isObject, describe, type JsonObject } from "./field-reader";
import {
  buildSecretIdProblem,
  containerPathProblem,
  envNameProblem,
  hasControl,
  imageReferenceProblem,
  modelNameProblem,
  quoted,
  volumeNameProblem,
} from "./identifiers";
import type {
  Binding,
  BindMount,
  Build,
  BuildSecret,
  ContainerFiles,
  GenerateOptions,
  ParameterDefault,
  ParameterInput,
  Resource,
  Volume,
} from "./model";
import { isSupportedKind, unsupportedTypeMessage } from "./resource-types";
import type { ExpressionField } from "./expressions";

export interface ParsedResource {
  /** Undefined when the resource has errors of its own. */
  readonly resource?: Resource;
  /** Strings of the ignored `deployment` section: their references are still checked, since
   *  a resource whose Azure deployment needs Azure resources cannot be moved as it is. */
  readonly deploymentExpressions: readonly ExpressionField[];
}

export function parseResource(
  name: string,
  raw: unknown,
  manifestDir: string,
  errors: Diagnostic[],
  warnings: Diagnostic[],
): ParsedResource {
  const before = errors.length;
  const none: ParsedResource = { deploymentExpressions: [] };
  if (!isObject(raw)) {
    errors.push({
      resource: name,
      field: null,
      message: `resource must be an object, not ${describe(raw)}.`,
    });
    return none;
  }
  const type = raw.type;
  if (type === undefined || type === null) {
    const why = typeof raw.error === "string" ? ` The AppHost wrote: "${raw.error}"` : "";
    errors.push({
      resource: name,
      field: "type",
      message: `unsupported type (none): the resource has no type, so there is nothing to run.${why} Remove the resource from the AppHost or give it a publishable form (a container or a Dockerfile).`,
    });
    return none;
  }
  if (typeof type !== "string") {
    errors.push({
      resource: name,
      field: "type",
      message: `type must be a string, not ${describe(type)}.`,
    });
    return none;
  }
  if (!isSupportedKind(type)) {
    errors.push({ resource: name, field: "type", message: unsupportedTypeMessage(type) });
    return none;
  }

  const r = new FieldReader(name, "", raw, errors, warnings);
  r.ignore("type");
  if (type !== "parameter.v0" && r.has("inputs"))
    r.error(
      "inputs",
      `legacy inputs on ${type}: inputs belong to parameter.v0 resources since Aspire 8.0 GA. Regenerate the manifest with Aspire 8.0 or later.`,
    );

  const deploymentExpressions: ExpressionField[] = [];
  // Only v1 resources are written with a deployment section, but a v0 one means the same.
  if (
    type !== "parameter.v0" &&
    type !== "value.v0" &&
    type !== "annotated.string" &&
    r.has("deployment")
  ) {
    const deployment = r.ignore("deployment");
    if (isObject(deployment))
      collectStrings(deployment.params, "deployment.params", deploymentExpressions);
  }

  const resource = parseKind(type, name, r, manifestDir);
  r.warnUnknown();
  return { resource: errors.length === before ? resource : undefined, deploymentExpressions };
}

function parseKind(
  type: Resource["kind"],
  name: string,
  r: FieldReader,
  dir: string,
): Resource | undefined {
  switch (type) {
    case "parameter.v0":
      return {
        kind: type,
        name,
        value: r.string("value", true) ?? "",
        inputs: parseInputs(r),
        connectionString: r.string("connectionString"),
      };
    case "value.v0":
      return {
        kind: type,
        name,
        connectionString: r.string("connectionString"),
        value: r.string("value"),
      };
    case "annotated.string": {
      const filter = r.string("filter");
      if (filter !== undefined && filter !== "uri")
        r.error("filter", `unknown filter "${filter}": the only filter Aspire writes is "uri".`);
      return {
        kind: type,
        name,
        value: r.string("value", true) ?? "",
        filter: filter === "uri" ? "uri" : undefined,
      };
    }
    case "project.v0":
    case "project.v1": {
      const p = sourcePath(r, "path");
      if (r.has("path") && !PROJECT_FILE.test(p.replace(/\\/g, "/")))
        r.error(
          "path",
          `project path ${quoted(p)} does not name a project file (NAME.csproj, .fsproj, .vbproj, or a file-based app NAME.cs).`,
        );
      return { kind: type, name, path: p, projectPath: resolve(dir, p), ...computeFields(r, type) };
    }
    case "dockerfile.v0": {
      const p = sourcePath(r, "path");
      const context = sourcePath(r, "context");
      const build: Build = {
        contextPath: resolve(dir, context),
        dockerfilePath: resolve(dir, p),
        args: r.stringMap("buildArgs", true, buildArgNameProblem),
        secrets: {},
        buildOnly: false,
      };
      return { kind: type, name, build, ...computeFields(r, type) };
    }
    case "container.v0":
    case "container.v1": {
      const image = r.string("image");
      const build = type === "container.v1" ? parseBuild(r, dir) : undefined;
      if (type === "container.v0" && r.has("build"))
        r.error("build", "container.v0 cannot have a build section: a build needs container.v1.");
      if (image === undefined && build === undefined && !r.has("build"))
        r.error(
          null,
          `a ${type} needs an image${type === "container.v1" ? " or a build section" : ""}.`,
        );
      if (image !== undefined && build !== undefined)
        r.error("build", "a container has either an image or a build section, not both.");
      if (image !== undefined) {
        const problem = x86OnlyImageMessage(image) ?? imageReferenceProblem(image);
        if (problem) r.error("image", problem);
      }
      return {
        kind: type,
        name,
        image,
        build,
        entrypoint: r.string("entrypoint"),
        volumes: r.items("volumes").map(parseVolume),
        bindMounts: r.items("bindMounts").map((b) => parseBindMount(b, dir)),
        ...computeFields(r, type),
      };
    }
  }
}

function computeFields(r: FieldReader, type: string) {
  return {
    env: r.stringMap("env", false, (n) => envNameProblem("env name", n)),
    args: type === "dockerfile.v0" ? [] : r.stringArray("args"),
    bindings: parseBindings(r),
    connectionString: r.string("connectionString"),
    containerFiles: parseContainerFiles(r),
  };
}

function parseBindings(r: FieldReader): Record<string, Binding> {
  const out: [string, Binding][] = [];
  for (const [name, b] of r.entries("bindings", (n) => modelNameProblem("endpoint", n))) {
    const scheme = b.string("scheme");
    const protocol = b.string("protocol");
    const transport = b.string("transport");
    let targetPort = b.port("targetPort");
    if (b.has("containerPort")) {
      const legacy = b.port("containerPort");
      b.warn(
        "containerPort",
        `containerPort is the 8.0-preview name of targetPort; read as targetPort ${legacy ?? ""}.`.replace(
          " .",
          ".",
        ),
      );
      targetPort ??= legacy;
    }
    if (scheme === undefined)
      b.error("scheme", `binding ${name} needs a scheme (http, https, tcp, ...).`);
    let proto: "tcp" | "udp" = "tcp";
    if (protocol === "udp" || scheme === "udp") proto = "udp";
    else if (protocol !== undefined && protocol !== "tcp")
      b.warn("protocol", `protocol "${protocol}" is not tcp or udp; read as tcp.`);
    out.push([
      name,
      {
        name,
        scheme: scheme ?? "tcp",
        protocol: proto,
        transport: transport ?? (scheme === "http" || scheme === "https" ? "http" : proto),
        port: b.port("port"),
        targetPort,
        external: b.boolean("external") ?? false,
      },
    ]);
  }
  return Object.fromEntries(out);
}

function parseVolume(v: FieldReader): Volume {
  const target = containerPath(v, "volume");
  const name = v.string("name") || undefined;
  const problem = name === undefined ? undefined : volumeNameProblem(name);
  if (problem) v.error("name", `${problem} Rename the volume in the AppHost.`);
  return { name, target, readOnly: v.boolean("readOnly") ?? false };
}

function parseBindMount(b: FieldReader, dir: string): BindMount {
  const source = sourcePath(b, "source");
  const target = containerPath(b, "bind mount");
  return {
    source,
    sourcePath: resolve(dir, source),
    target,
    readOnly: b.boolean("readOnly") ?? false,
  };
}

/** A mount target, checked against what Docker accepts and what our compose files can hold. */
function containerPath(r: FieldReader, what: string): string {
  const target = r.string("target", true) ?? "";
  const problem = r.has("target") ? containerPathProblem(target) : undefined;
  if (problem) r.error("target", `${what} ${problem}`);
  return target;
}

/** A path on the deployer's machine, relative to the manifest's folder. Whether it stays inside
 *  the app's sources is decided by the plan, which knows the stack's source root. */
function sourcePath(r: FieldReader, key: string): string {
  const p = r.string(key, true) ?? "";
  if (hasControl(p))
    r.error(
      key,
      `path ${quoted(p)} has a control character: no file of the app has one in its name.`,
    );
  return p;
}

/** What `dotnet publish` builds: a project file, or a C# file-based app (Aspire 13). */
const PROJECT_FILE = /(^|\/)[^/.][^/]*\.(csproj|fsproj|vbproj|cs)$/i;

const buildArgNameProblem = (name: string) => envNameProblem("build arg", name);

function parseBuild(r: FieldReader, dir: string): Build | undefined {
  const b = r.object("build");
  if (!b) return undefined;
  const context = sourcePath(b, "context");
  const dockerfile = sourcePath(b, "dockerfile");
  const secrets: [string, BuildSecret][] = [];
  for (const [id, s] of b.entries("secrets", buildSecretIdProblem)) {
    const type = s.string("type", true);
    if (type === "env") secrets.push([id, { type, value: s.string("value", true) ?? "" }]);
    else if (type === "file")
      secrets.push([id, { type, sourcePath: resolve(dir, sourcePath(s, "source")) }]);
    else if (type !== undefined)
      s.error("type", `build secret type must be "env" or "file", not ${quoted(type)}.`);
  }
  return {
    contextPath: resolve(dir, context),
    dockerfilePath: resolve(dir, dockerfile),
    stage: b.string("stage"),
    args: b.stringMap("args", true, buildArgNameProblem),
    secrets: Object.fromEntries(secrets),
    buildOnly: b.boolean("buildOnly") ?? false,
  };
}

function parseContainerFiles(r: FieldReader): Record<string, ContainerFiles> {
  const out: [string, ContainerFiles][] = [];
  for (const [source, f] of r.entries("containerFiles"))
    out.push([
      source,
      { destination: f.string("destination", true) ?? "", sources: f.stringArray("sources") },
    ]);
  return Object.fromEntries(out);
}

function parseInputs(r: FieldReader): Record<string, ParameterInput> {
  const out: [string, ParameterInput][] = [];
  for (const [name, input] of r.entries("inputs")) {
    const type = input.string("type");
    if (type !== undefined && type !== "string")
      input.error(
        "type",
        `input type must be "string" (the only type Aspire writes), not ${quoted(type)}.`,
      );
    input.ignore("description");
    out.push([
      name,
      { name, secret: input.boolean("secret") ?? false, default: parseDefault(input) },
    ]);
  }
  return Object.fromEntries(out);
}

function parseDefault(input: FieldReader): ParameterDefault | undefined {
  const d = input.object("default");
  if (!d) return undefined;
  if (d.has("generate")) {
    const g = d.object("generate");
    if (!g) return undefined;
    const generate: GenerateOptions = {
      minLength: g.nonNegativeInteger("minLength") ?? 0,
      lower: g.boolean("lower") ?? true,
      upper: g.boolean("upper") ?? true,
      numeric: g.boolean("numeric") ?? true,
      special: g.boolean("special") ?? true,
      minLower: g.nonNegativeInteger("minLower") ?? 0,
      minUpper: g.nonNegativeInteger("minUpper") ?? 0,
      minNumeric: g.nonNegativeInteger("minNumeric") ?? 0,
      minSpecial: g.nonNegativeInteger("minSpecial") ?? 0,
    };
    if (!generate.lower && !generate.upper && !generate.numeric && !generate.special)
      g.error(
        null,
        "a generated value needs at least one allowed character class (lower, upper, numeric or special).",
      );
    // Aspire's PasswordGenerator refuses this ("'minUpper' must be 0 if 'upper' is disabled");
    // @pulumi/random would silently put characters of the disabled class in the password.
    for (const [cls, min] of [
      ["lower", "minLower"],
      ["upper", "minUpper"],
      ["numeric", "minNumeric"],
      ["special", "minSpecial"],
    ] as const)
      if (!generate[cls] && generate[min] > 0)
        g.error(
          min,
          `${min} must be 0 when ${cls} is false (Aspire refuses to generate such a value).`,
        );
    return { kind: "generate", generate };
  }
  if (d.has("value")) {
    const value = d.string("value", true);
    return value === undefined ? undefined : { kind: "value", value };
  }
  d.error(null, `default must have "value" or "generate".`);
  return undefined;
}

/** Manifest paths are relative to the manifest's folder and written with "/". */
function resolve(dir: string, p: string): string {
  return path.resolve(dir, p.replace(/\\/g, "/"));
}

/** Every string inside a JSON value (params may nest arrays and objects), with its path. */
function collectStrings(v: unknown, field: string, out: ExpressionField[]): void {
  if (typeof v === "string") out.push({ field, text: v });
  else if (Array.isArray(v)) v.forEach((item, i) => collectStrings(item, `${field}.${i}`, out));
  else if (isObject(v))
    for (const [k, item] of Object.entries(v as JsonObject))
      collectStrings(item, `${field}.${k}`, out);
}
