// Which manifest resource types run on an Arm VM, and why the others do not.
import type { ResourceKind } from "./model";

export const SUPPORTED_KINDS: readonly ResourceKind[] = [
  "project.v0",
  "project.v1",
  "container.v0",
  "container.v1",
  "dockerfile.v0",
  "parameter.v0",
  "value.v0",
  "annotated.string",
];

export function isSupportedKind(type: string): type is ResourceKind {
  return (SUPPORTED_KINDS as readonly string[]).includes(type);
}

/** The 8.0-preview abstract types: no image, no bindings, no connection-string template. */
const LEGACY_ABSTRACT =
  /^(redis|postgres|mysql|sqlserver|mongodb|rabbitmq|oracle|kafka)\.(server|database|connection)?\.?v0$/;

/** Why a type cannot be deployed, with what to do instead. */
export function unsupportedTypeMessage(type: string): string {
  if (type.startsWith("azure."))
    return `unsupported type ${type}: Azure resources (Bicep modules) cannot be created on Arm VMs. Remove the Azure resource from the AppHost, or replace it with a container (for example AddRedis/AddPostgres instead of AddAzure*), or pass an existing service's connection string as a parameter (AddConnectionString).`;
  if (type.startsWith("aws.cloudformation."))
    return `unsupported type ${type}: CloudFormation stacks are not created by aspire-arm. Deploy the stack separately and pass its outputs as parameters.`;
  if (type.startsWith("dapr."))
    return `unsupported type ${type}: Dapr sidecars and components carry no image or configuration to run. Remove Dapr from the AppHost, or run the Dapr components as containers.`;
  if (type === "executable.v0")
    return `unsupported type ${type}: executables are commands with paths from the developer's machine. Publish them as containers instead (PublishAsDockerFile, or AddDockerfile/AddContainer).`;
  if (LEGACY_ABSTRACT.test(type))
    return `unsupported type ${type}: this is an abstract resource of the Aspire 8.0 previews, with no image, ports or connection string. Regenerate the manifest with Aspire 8.0 or later.`;
  return `unsupported type ${type}: aspire-arm runs ${SUPPORTED_KINDS.join(", ")}. Remove this resource or regenerate the manifest with a current Aspire.`;
}
