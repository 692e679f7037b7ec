// Aspire's port conventions, for bindings that do not spell their ports out.
import { isProject, type Binding, type ComputeResource } from "./model";

/** The port a .NET project listens on when the manifest leaves it to the deployer: 8080 is the
 *  default of the .NET 8+ container images, and azd's targetPortOrDefault. The http and https
 *  bindings of a project share it (the app does not serve TLS itself). */
export const PROJECT_DEFAULT_PORT = 8080;

/** The port the resource's process listens on for this binding. */
export function defaultTargetPort(resource: ComputeResource, binding: Binding): number {
  if (binding.targetPort !== undefined) return binding.targetPort;
  if (isProject(resource)) return PROJECT_DEFAULT_PORT;
  // A container binding with only `port` listens on that port; with neither, the 8.0 docs say 80.
  return binding.port ?? (binding.scheme === "https" ? 443 : 80);
}

/** The port other resources use: `port` when the manifest sets it, the target port otherwise. */
export function defaultPort(resource: ComputeResource, binding: Binding): number {
  return binding.port ?? defaultTargetPort(resource, binding);
}
