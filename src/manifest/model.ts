// The typed model of an Aspire manifest, limited to what can run on an Arm VM.
// Everything the loader accepts ends up in one of these shapes; everything else is a Diagnostic.
// Field names follow the manifest (see ../shared/aspire/FORMAT.md) so that messages can quote them.

/** The resource kinds we deploy or evaluate. Azure, AWS CloudFormation, Dapr, executables and the
 *  8.0-preview abstract types are rejected by the validator and never reach this model. */
export type ResourceKind =
  | "project.v0"
  | "project.v1"
  | "container.v0"
  | "container.v1"
  | "dockerfile.v0"
  | "parameter.v0"
  | "value.v0"
  | "annotated.string";

export type Scheme = string; // http, https, tcp, udp, redis, ... (the schema no longer restricts it)

export interface Binding {
  readonly name: string;
  readonly scheme: Scheme;
  readonly protocol: "tcp" | "udp";
  readonly transport: string; // http, http2, tcp
  /** The port other resources and external clients use, when the manifest sets it. */
  readonly port?: number;
  /** The port the process listens on inside its container, when the manifest sets it. */
  readonly targetPort?: number;
  readonly external: boolean;
}

export interface Volume {
  /** Absent for anonymous (scratch) volumes. */
  readonly name?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface BindMount {
  /** As written in the manifest. */
  readonly source: string;
  /** Resolved against the manifest's folder. */
  readonly sourcePath: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface BuildSecret {
  readonly type: "env" | "file";
  /** Expression, for type env. */
  readonly value?: string;
  /** Resolved path, for type file. */
  readonly sourcePath?: string;
}

export interface Build {
  /** Resolved against the manifest's folder. */
  readonly contextPath: string;
  /** Resolved against the manifest's folder (not against the context). */
  readonly dockerfilePath: string;
  readonly stage?: string;
  /** null means "take the value from the build environment", like `--build-arg X`. */
  readonly args: Readonly<Record<string, string | null>>;
  readonly secrets: Readonly<Record<string, BuildSecret>>;
  /** Build the image but never run it: it only provides files to other resources. */
  readonly buildOnly: boolean;
}

export interface ContainerFiles {
  readonly destination: string;
  readonly sources: readonly string[];
}

/** Fields shared by everything that runs as a process: projects, containers, Dockerfile builds. */
interface ComputeBase {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly bindings: Readonly<Record<string, Binding>>;
  readonly connectionString?: string;
  readonly containerFiles: Readonly<Record<string, ContainerFiles>>;
}

export interface ProjectResource extends ComputeBase {
  readonly kind: "project.v0" | "project.v1";
  /** The .csproj (or single-file .cs) path as written. */
  readonly path: string;
  /** Resolved against the manifest's folder. */
  readonly projectPath: string;
}

export interface ContainerResource extends ComputeBase {
  readonly kind: "container.v0" | "container.v1";
  /** Exactly one of image and build is set. */
  readonly image?: string;
  readonly build?: Build;
  readonly entrypoint?: string;
  readonly volumes: readonly Volume[];
  readonly bindMounts: readonly BindMount[];
}

/** The 8.x/9.x form of a Dockerfile build; modelled as a build with no args, volumes or entrypoint. */
export interface DockerfileResource extends ComputeBase {
  readonly kind: "dockerfile.v0";
  readonly build: Build;
}

export type GenerateOptions = {
  readonly minLength: number;
  readonly lower: boolean;
  readonly upper: boolean;
  readonly numeric: boolean;
  readonly special: boolean;
  readonly minLower: number;
  readonly minUpper: number;
  readonly minNumeric: number;
  readonly minSpecial: number;
};

export type ParameterDefault =
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "generate"; readonly generate: GenerateOptions };

export interface ParameterInput {
  readonly name: string;
  readonly secret: boolean;
  readonly default?: ParameterDefault;
}

export interface ParameterResource {
  readonly kind: "parameter.v0";
  readonly name: string;
  /** Always `{<self>.inputs.value}` in real manifests, but evaluated like any expression. */
  readonly value: string;
  readonly inputs: Readonly<Record<string, ParameterInput>>;
  readonly connectionString?: string;
}

export interface ValueResource {
  readonly kind: "value.v0";
  readonly name: string;
  readonly connectionString?: string;
  /** Not in the schema, but azd accepts it, and so do we. */
  readonly value?: string;
}

export interface AnnotatedStringResource {
  readonly kind: "annotated.string";
  readonly name: string;
  readonly value: string;
  readonly filter?: "uri";
}

export type ComputeResource = ProjectResource | ContainerResource | DockerfileResource;
export type Resource =
  ComputeResource | ParameterResource | ValueResource | AnnotatedStringResource;

export interface Manifest {
  /** Absolute path of the manifest file. */
  readonly file: string;
  /** Absolute path of the folder that every relative path in the manifest is resolved against. */
  readonly dir: string;
  /** In manifest order. */
  readonly resources: ReadonlyMap<string, Resource>;
}

export function isCompute(r: Resource): r is ComputeResource {
  return (
    r.kind === "project.v0" ||
    r.kind === "project.v1" ||
    r.kind === "container.v0" ||
    r.kind === "container.v1" ||
    r.kind === "dockerfile.v0"
  );
}

export function isProject(r: Resource): r is ProjectResource {
  return r.kind === "project.v0" || r.kind === "project.v1";
}

/** The image build of a container or Dockerfile resource; projects are built by `dotnet publish`. */
export function buildOf(r: ComputeResource): Build | undefined {
  return isProject(r) ? undefined : r.build;
}

/** Compute resources that run a process: everything but build-only images. */
export function runsAsService(r: Resource): r is ComputeResource {
  return isCompute(r) && !buildOf(r)?.buildOnly;
}
