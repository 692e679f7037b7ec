// The deployment plan: what runs where, on which ports, with which configuration and secrets.
// Pure data, with no cloud in it: the render stage turns it into files, the cloud components
// into resources.
import type { Build, GenerateOptions, Value } from "../manifest";
import type { Cloud, OsImage, Runtime } from "./options";
import type { BindMountSource } from "./sources";

/** Where a service's image comes from. */
export type ImageSource =
  /** A published image, pulled as it is (manifest image or `images` override). */
  | { readonly kind: "pull"; readonly image: string }
  /** A .NET project: `dotnet publish /t:PublishContainer` for linux-arm64, pushed to the stack's registry. */
  | { readonly kind: "project"; readonly projectPath: string; readonly repository: string }
  /** A Dockerfile build for linux/arm64, pushed to the stack's registry. Build args and secrets
   *  are evaluated; a secret in a build arg would be kept in the image history, so secrets go
   *  through BuildKit `--secret` only. */
  | {
      readonly kind: "dockerfile";
      readonly build: Build;
      readonly repository: string;
      readonly args: Readonly<Record<string, Value | null>>;
      readonly secrets: Readonly<
        Record<
          string,
          | { readonly type: "env"; readonly value: Value }
          | { readonly type: "file"; readonly sourcePath: string }
        >
      >;
    };

export interface PortPlan {
  readonly binding: string;
  readonly protocol: "tcp" | "udp";
  /** The port the process listens on. */
  readonly targetPort: number;
  /** The port published on the VM, when something outside the service's Docker network needs it. */
  readonly hostPort?: number;
  /** Who may reach hostPort: native processes on the same VM only (local: published on
   *  127.0.0.1), other VMs of the app (private), or anyone (public, external tcp/udp). */
  readonly exposure: "none" | "local" | "private" | "public";
}

export interface VolumePlan {
  /** Named volumes live on the VM's data disk; anonymous ones are scratch space on the boot disk. */
  readonly name?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface ServicePlan {
  /** The manifest resource name. */
  readonly resource: string;
  /** DNS- and unit-safe name: container name, compose service, systemd unit. */
  readonly name: string;
  readonly kind: string;
  /** container: under Docker; native: a .NET project under systemd on the ASP.NET Core runtime. */
  readonly runAs: "container" | "native";
  readonly image: ImageSource;
  /** For .NET projects: the assembly the process runs (the project file's name), for native units. */
  readonly assembly?: string;
  readonly entrypoint?: string;
  /** Exactly the manifest's args, evaluated. */
  readonly args: readonly Value[];
  /** Exactly the manifest's env, evaluated (plus OTEL_* when the dashboard is on, and for native
   *  projects the ASPNETCORE_URLS of their planned ports unless the manifest's own setting
   *  already listens there: see kestrel.ts). */
  readonly env: Readonly<Record<string, Value>>;
  readonly ports: readonly PortPlan[];
  readonly volumes: readonly VolumePlan[];
  /** Bind mounts of files from the developer's machine (copied with the app config): the files,
   *  checked to be inside the app's source root, found by metadata only. */
  readonly bindMounts: readonly {
    readonly sourcePath: string;
    readonly target: string;
    readonly readOnly: boolean;
    readonly source: BindMountSource;
  }[];
  /** Services (plan names) on the same VM this one references: start order. */
  readonly dependsOn: readonly string[];
  /** Its HTTP health check (aspire:healthChecks), on the target port of an http binding. */
  readonly healthCheck?: HealthCheckPlan;
}

export interface HealthCheckPlan {
  /** From "/": the stack config's path, with the characters HEALTH_PATH_RE allows. */
  readonly path: string;
  readonly port: number;
}

/** A public endpoint served by the VM's reverse proxy (http/https) or published directly (tcp/udp). */
export interface PublicEndpoint {
  readonly service: string;
  readonly binding: string;
  readonly scheme: string;
  /** http, http2 (gRPC, h2c) or tcp. */
  readonly transport: string;
  /** Public port on the VM. */
  readonly port: number;
  /** Host name the proxy serves it under, when a domain is configured. */
  readonly hostName?: string;
  /** Where the proxy forwards to, as seen from the proxy: `service:port` or `127.0.0.1:port`. */
  readonly upstream?: string;
}

export interface VmPlan {
  readonly name: string;
  readonly instanceType: string;
  readonly diskSizeGb: number;
  readonly runtime: Runtime;
  readonly os: OsImage;
  readonly services: readonly ServicePlan[];
  readonly publicEndpoints: readonly PublicEndpoint[];
  /** Ports other VMs of the app reach on this one. */
  readonly privatePorts: readonly {
    readonly port: number;
    readonly protocol: "tcp" | "udp";
    readonly service: string;
  }[];
  /** Named volumes: the VM gets a data disk when there is at least one. */
  readonly namedVolumes: readonly string[];
  /** Size of the separate data disk that holds the named volumes; 0 when there are none. */
  readonly dataDiskGb: number;
  /** Secret parameters this VM's services read (names only; values live in the cloud's secret store). */
  readonly secrets: readonly string[];
  /** Other VMs this VM's services reach (through their private DNS names). */
  readonly peers: readonly string[];
  /** Runs a reverse proxy (Caddy) for external http/https endpoints. */
  readonly proxy: boolean;
}

export interface ParameterPlan {
  readonly name: string;
  readonly secret: boolean;
  /** Where the value comes from: stack config, the manifest's default, a generated password. */
  readonly source: "config" | "default" | "generate" | "unset";
  /** Known now: a non-secret config value, or the manifest's default (secret or not). Never printed for secrets. */
  readonly value?: string;
  readonly generate?: GenerateOptions;
}

export interface DeploymentPlan {
  readonly cloud: Cloud;
  readonly stack: string;
  readonly manifestFile: string;
  readonly vms: readonly VmPlan[];
  readonly parameters: readonly ParameterPlan[];
  /** Whether the Aspire dashboard runs (on the first VM). */
  readonly dashboard: boolean;
  readonly domain?: string;
}
