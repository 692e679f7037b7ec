// The placement a manifest implies before any VM exists: every resource reachable by its own name
// on the ports the manifest declares (what Docker Compose on one host would give). `check` uses it
// to evaluate every expression; the deployment plan brings its own placement.
import type { Placement } from "./evaluate";
import { defaultPort, defaultTargetPort } from "./ports";

export const manifestPlacement: Placement = {
  address: (_from, target, binding) => ({
    scheme: binding.scheme,
    host: target.name,
    port: defaultPort(target, binding),
  }),
  targetPort: defaultTargetPort,
};
