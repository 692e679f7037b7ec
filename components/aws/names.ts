// Text the AWS component writes into inputs that EC2 checks character by character.

/** Characters EC2 accepts in security group descriptions and in rule descriptions: a-z, A-Z, 0-9,
 *  spaces and ._-:/()#,@[]+=&;{}!$*, up to 255 (CreateSecurityGroup and IpRange.Description,
 *  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html). An
 *  apostrophe, a quote or a non-ASCII letter makes EC2 refuse the whole request. */
const EC2_DESCRIPTION_CHARS = /[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g;

/** `text` in the characters EC2 accepts in a description: any other becomes "-"; cut at 255. */
export function ec2Description(text: string): string {
  return text.replace(EC2_DESCRIPTION_CHARS, "-").slice(0, 255);
}
