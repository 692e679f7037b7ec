// Names and text the AWS component writes into inputs that AWS checks character by character.
import { stackSegment } from "../../src/plan";

/** Characters EC2 accepts in security group descriptions and in rule descriptions: a-z, A-Z, 0-9,
 *  spaces and ._-:/()#,@[]+=&;{}!$*, up to 255 (CreateSecurityGroup and IpRange.Description,
 *  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html). An
 *  apostrophe, a quote or a non-ASCII letter makes EC2 refuse the whole request. */
const EC2_DESCRIPTION_CHARS = /[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g;

/** `text` in the characters EC2 accepts in a description: any other becomes "-"; cut at 255. */
export function ec2Description(text: string): string {
  return text.replace(EC2_DESCRIPTION_CHARS, "-").slice(0, 255);
}

/** The ECR repository of a built image: `aspire-arm/<stack segment>/<repository>`. ECR takes lower
 *  case only, (?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)* in 2-256 characters
 *  (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html): the stack
 *  segment is [a-z0-9-] and distinct for every two stacks, the plan's repository a safe name. */
export function ecrRepositoryName(stack: string, repository: string): string {
  return `aspire-arm/${stackSegment(stack)}/${repository}`;
}
