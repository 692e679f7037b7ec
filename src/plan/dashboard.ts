// The optional Aspire dashboard: a container on the first VM, its UI behind the VM's proxy with a
// generated login token, and OTLP telemetry from every .NET project. Publish mode writes no OTLP
// endpoint into the manifest, so these are the only variables aspire-arm adds, and only when asked.
import type { GenerateOptions, Value } from "../manifest";
import { vmAlias, type ServicePlacement } from "./addressing";
import type { ParameterPlan, PortPlan, PublicEndpoint, ServicePlan } from "./model";

export const DASHBOARD_NAME = "aspire-dashboard";
export const DASHBOARD_IMAGE = "mcr.microsoft.com/dotnet/aspire-dashboard:9.5";
export const DASHBOARD_UI_PORT = 18888;
export const DASHBOARD_OTLP_PORT = 18889;
export const DASHBOARD_TOKEN_PARAMETER = "aspire-dashboard-token";

const TOKEN: GenerateOptions = {
  minLength: 32,
  lower: true,
  upper: true,
  numeric: true,
  special: false,
  minLower: 0,
  minUpper: 0,
  minNumeric: 0,
  minSpecial: 0,
};

export const dashboardTokenParameter: ParameterPlan = {
  name: DASHBOARD_TOKEN_PARAMETER,
  secret: true,
  source: "generate",
  generate: TOKEN,
};

const text = (t: string): Value => ({ parts: [t], secret: false });

/** Whether the OTLP port must be published: a native process or another VM sends telemetry. */
export function otlpReachedFromOutside(
  dashboardVm: string,
  projects: readonly ServicePlacement[],
): boolean {
  return projects.some((p) => p.vm !== dashboardVm || p.runAs === "native");
}

/** OTEL_* for a project, addressed from where it runs. */
export function otelEnv(
  resource: string,
  placement: ServicePlacement,
  dashboardVm: string,
  stack: string,
): Record<string, Value> {
  const host =
    placement.vm !== dashboardVm
      ? vmAlias(dashboardVm, stack)
      : placement.runAs === "native"
        ? "localhost"
        : DASHBOARD_NAME;
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: text(`http://${host}:${DASHBOARD_OTLP_PORT}`),
    OTEL_SERVICE_NAME: text(resource),
  };
}

export function dashboardService(publishOtlp: boolean): ServicePlan {
  const ports: PortPlan[] = [
    { binding: "http", protocol: "tcp", targetPort: DASHBOARD_UI_PORT, exposure: "none" },
    {
      binding: "otlp-grpc",
      protocol: "tcp",
      targetPort: DASHBOARD_OTLP_PORT,
      hostPort: publishOtlp ? DASHBOARD_OTLP_PORT : undefined,
      exposure: publishOtlp ? "private" : "none",
    },
  ];
  return {
    resource: DASHBOARD_NAME,
    name: DASHBOARD_NAME,
    kind: "aspire-dashboard",
    runAs: "container",
    image: { kind: "pull", image: DASHBOARD_IMAGE },
    args: [],
    env: {
      DASHBOARD__FRONTEND__AUTHMODE: text("BrowserToken"),
      DASHBOARD__FRONTEND__BROWSERTOKEN: {
        parts: [
          { kind: "parameter", parameter: DASHBOARD_TOKEN_PARAMETER, secret: true, filters: [] },
        ],
        secret: true,
      },
      // OTLP is reachable only from the app's own network and VMs, never from the internet.
      DASHBOARD__OTLP__AUTHMODE: text("Unsecured"),
      ASPNETCORE_FORWARDEDHEADERS_ENABLED: text("true"),
    },
    ports,
    volumes: [],
    bindMounts: [],
    dependsOn: [],
  };
}

/** The dashboard's UI as the proxy serves it: under `dashboard.<domain>` with HTTPS, or without a
 *  domain on its own port over plain HTTP. */
export function dashboardEndpoint(domain: string | undefined): PublicEndpoint {
  const hostName = domain ? `dashboard.${domain}` : undefined;
  return {
    service: DASHBOARD_NAME,
    binding: "http",
    scheme: domain ? "https" : "http",
    transport: "http",
    port: domain ? 443 : DASHBOARD_UI_PORT,
    hostName,
    upstream: `${DASHBOARD_NAME}:${DASHBOARD_UI_PORT}`,
  };
}
