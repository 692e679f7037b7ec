// imdsv2-required: EC2 instances answer metadata requests only with a session token.
import { checkEach, num, rec, TYPES, type PolicyResource, type Violation } from "./resources";

export const IMDSV2_REQUIRED = "imdsv2-required";

/** Every EC2 instance requires IMDSv2 session tokens, with a hop limit of at most 2 (containers). */
export function imdsv2Required(resources: readonly PolicyResource[]): Violation[] {
  return checkEach(IMDSV2_REQUIRED, resources, (r, report) => {
    if (r.type !== TYPES.awsInstance) return;
    const meta = rec(r.inputs.metadataOptions);
    if (meta?.httpTokens !== "required")
      report(
        `metadataOptions.httpTokens is ${meta?.httpTokens === undefined ? "not set" : JSON.stringify(meta.httpTokens)}: set it to "required" (IMDSv2 only).`,
      );
    const hops = num(meta?.httpPutResponseHopLimit);
    if (hops !== undefined && hops > 2)
      report(
        `metadataOptions.httpPutResponseHopLimit is ${hops}: at most 2 (1 for the host, 2 for its containers).`,
      );
  });
}
