// The URNs the engine would give the resources of a mock run. A URN is how Pulumi knows a resource
// from one deploy to the next: a changed URN (a new name, type or parent) is a delete and a create
// unless an alias says otherwise. The mock monitor names a child by its parent's own type only;
// the engine writes the whole chain of parent types (the root stack's left out):
// urn:pulumi:<stack>::<project>::<parent type>$...$<type>::<name>.
import type { MockRun } from "../../src/cli/mock-program";

/** The engine's URN of every resource of the run, in the order they were registered. */
export function engineUrns(run: MockRun, stack: string, project = "aspire"): string[] {
  const qualifiedByMockUrn = new Map<string, string>();
  return run.resources.map((r) => {
    let qualified = r.type;
    let mockType = r.type;
    if (r.parent) {
      const parentQualified = qualifiedByMockUrn.get(r.parent);
      if (parentQualified === undefined)
        throw new Error(`${r.type} ${r.name}: its parent ${r.parent} was not registered before it`);
      qualified = `${parentQualified}$${r.type}`;
      mockType = `${r.parent.split("::")[2].split("$").pop()}$${r.type}`;
    }
    qualifiedByMockUrn.set(`urn:pulumi:${stack}::${project}::${mockType}::${r.name}`, qualified);
    return `urn:pulumi:${stack}::${project}::${qualified}::${r.name}`;
  });
}
