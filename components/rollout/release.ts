// A VM's release as a Pulumi output, for both clouds: the app config rendered with what only the
// deployment knows (the images built for it, the version of each secret the VM reads), so that a
// new image, env value, service or secret value is a new release id, and nothing else is.
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan, VmPlan } from "../../src/plan";
import { secretStoreName, type RenderContext } from "../../src/render";
import { vmRelease, type VmRelease } from "../arm-app";
import { orFail } from "../fail";

export function releaseOutput(
  plan: DeploymentPlan,
  vm: VmPlan,
  vmContext: pulumi.Output<RenderContext>,
  builtImages: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined,
  /** The version of a parameter's stored value, by parameter name. */
  secretVersion: (parameter: string) => pulumi.Input<string> | undefined,
): pulumi.Output<VmRelease> {
  const versions = Object.fromEntries(
    vm.secrets.map((p) => [secretStoreName(p), secretVersion(p) ?? ""]),
  );
  return pulumi
    .all([vmContext, pulumi.output(builtImages ?? {}), pulumi.all(versions)])
    .apply(([ctx, images, secretVersions]) =>
      orFail(
        vmRelease(plan, vm, {
          ...ctx,
          builtImages: images as Record<string, string>,
          secretVersions: secretVersions as Record<string, string>,
        }),
      ),
    );
}
