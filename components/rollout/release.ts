// A VM's release as a Pulumi output, for both clouds: the app config rendered with what only the
// deployment knows (the images built for it, the version of each secret the VM reads), so that a
// new image or digest, env value, service or secret value is a new release id, and nothing else is.
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan, VmPlan } from "../../src/plan";
import { secretStoreName, type RenderContext } from "../../src/render";
import { vmRelease, type VmRelease } from "../arm-app";
import { orFail } from "../fail";

export function releaseOutput(
  plan: DeploymentPlan,
  vm: VmPlan,
  vmContext: pulumi.Output<RenderContext>,
  images: {
    /** Built images by resource, once pushed and checked (`name@sha256:...`). */
    readonly built: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
    /** Published images -> `name@sha256:...`, as the registries answered before anything was created. */
    readonly pinned: Readonly<Record<string, string>> | undefined;
  },
  /** The version of a parameter's stored value, by parameter name. */
  secretVersion: (parameter: string) => pulumi.Input<string> | undefined,
): pulumi.Output<VmRelease> {
  const versions = Object.fromEntries(
    vm.secrets.map((p) => [secretStoreName(p), secretVersion(p) ?? ""]),
  );
  return pulumi
    .all([vmContext, pulumi.output(images.built ?? {}), pulumi.all(versions)])
    .apply(([ctx, built, secretVersions]) =>
      orFail(
        vmRelease(plan, vm, {
          ...ctx,
          builtImages: built as Record<string, string>,
          ...(images.pinned ? { pinnedImages: images.pinned } : {}),
          secretVersions: secretVersions as Record<string, string>,
        }),
      ),
    );
}
