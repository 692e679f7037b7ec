// The Google APIs the stack calls, enabled in the project before anything that needs them. A new
// project has few APIs on (Compute Engine, Secret Manager, Artifact Registry, Cloud DNS and IAM
// are not among them), and every call to a disabled API fails with SERVICE_DISABLED
// (https://cloud.google.com/service-usage/docs/enable-disable). gcp.projects.Service enables one
// and, when it is enabled already, just records it
// (https://www.pulumi.com/registry/packages/gcp/api-docs/projects/service/); it needs the Service
// Usage API, which new projects have on
// (https://cloud.google.com/service-usage/docs/enabled-service#default), and the permission
// serviceusage.services.enable (roles/serviceusage.serviceUsageAdmin, or Editor/Owner).
// disableOnDestroy is false: `pulumi destroy` of one stack must not switch off an API that other
// stacks or other tools in the same project use (the provider's default became false for that
// reason: https://github.com/hashicorp/terraform-provider-google/issues/18058).
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/** What each API is needed for, by service name. */
export const GCP_APIS = {
  compute: {
    service: "compute.googleapis.com",
    for: "instances, disks, networks, firewall rules, machine type lookups",
  },
  iam: { service: "iam.googleapis.com", for: "the VMs' service accounts" },
  dns: { service: "dns.googleapis.com", for: "the private zone of the VMs' names" },
  secretmanager: {
    service: "secretmanager.googleapis.com",
    for: "the secrets the VMs read (only when the app has any)",
  },
  artifactregistry: {
    service: "artifactregistry.googleapis.com",
    for: "the images the stack builds (only when it builds any)",
  },
} as const;

export type GcpApi = keyof typeof GCP_APIS;

/** The APIs a stack needs: all but Secret Manager and Artifact Registry, which only when it uses them. */
export function neededApis(uses: { secrets: boolean; builtImages: boolean }): GcpApi[] {
  return (Object.keys(GCP_APIS) as GcpApi[]).filter((api) =>
    api === "secretmanager" ? uses.secrets : api === "artifactregistry" ? uses.builtImages : true,
  );
}

/** One gcp.projects.Service per needed API, in the provider's project. */
export function enableApis(
  name: string,
  apis: readonly GcpApi[],
  project: pulumi.Input<string>,
  parent: pulumi.Resource,
): Partial<Record<GcpApi, gcp.projects.Service>> {
  const enabled: Partial<Record<GcpApi, gcp.projects.Service>> = {};
  for (const api of apis)
    enabled[api] = new gcp.projects.Service(
      `${name}-api-${api}`,
      { project, service: GCP_APIS[api].service, disableOnDestroy: false },
      { parent },
    );
  return enabled;
}
