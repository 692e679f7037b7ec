// The aspire-arm policy pack: the security policies of policies/ (a file each) as mandatory stack
// policies, for `pulumi preview --policy-pack policy` (see README.md). The checks themselves are
// plain functions shared with the project's tests; this file only adapts Pulumi's policy API.
import { PolicyPack, type PolicyConfigSchema, type StackValidationPolicy } from "@pulumi/policy";
import {
  DEFAULT_POLICY_CONTEXT,
  POLICIES,
  type PolicyContext,
  type PolicyResource,
} from "../policies";

/** The pack's config of a context policy: `--policy-pack-config` JSON, per policy name. */
const contextSchema: PolicyConfigSchema = {
  properties: {
    sshEnabled: { type: "boolean", default: DEFAULT_POLICY_CONTEXT.sshEnabled },
    sshCidrs: {
      type: "array",
      items: { type: "string" },
      default: [...DEFAULT_POLICY_CONTEXT.sshCidrs],
    },
    publicPorts: {
      type: "array",
      items: {
        type: "object",
        properties: {
          port: { type: "integer", minimum: 1, maximum: 65535 },
          protocol: { type: "string", enum: ["tcp", "udp"] },
        },
        required: ["port", "protocol"],
      },
      default: DEFAULT_POLICY_CONTEXT.publicPorts.map((p) => ({ ...p })),
    },
  },
};

/**
 * A plain copy of a resource's properties. The policy SDK hands them over behind a proxy that
 * throws on a value unknown during preview (aborting the whole policy); the checks treat unknown
 * values as undefined instead, so copy each property and leave the unknown ones out.
 */
function plainCopy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(read(() => plainCopy(v[i])));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = read(() => plainCopy((v as Record<string, unknown>)[k]));
    if (x !== undefined) out[k] = x;
  }
  return out;
}

function read(get: () => unknown): unknown {
  try {
    return get();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return undefined;
    throw e;
  }
}

const policies: StackValidationPolicy[] = POLICIES.map((p) => ({
  name: p.name,
  description: p.description,
  enforcementLevel: "mandatory",
  ...(p.usesContext ? { configSchema: contextSchema } : {}),
  validateStack: (args, reportViolation) => {
    const ctx: PolicyContext = p.usesContext
      ? { ...DEFAULT_POLICY_CONTEXT, ...args.getConfig<Partial<PolicyContext>>() }
      : DEFAULT_POLICY_CONTEXT;
    const urns = new Map<string, string>();
    const resources: PolicyResource[] = args.resources.map((r) => {
      urns.set(`${r.type}\0${r.name}`, r.urn);
      return { type: r.type, name: r.name, inputs: plainCopy(r.props) as Record<string, unknown> };
    });
    for (const v of p.check(resources, ctx))
      reportViolation(`${v.resource}: ${v.message}`, urns.get(`${v.type}\0${v.resource}`));
  },
}));

new PolicyPack("aspire-arm", { policies });
