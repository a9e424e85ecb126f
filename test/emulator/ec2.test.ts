import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "./server";
import { type Ec2Service, ec2Of } from "./services/ec2";

let emu: RunningEmulator;
let ec2: EC2Client;
let model: Ec2Service;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  ec2 = new EC2Client({
    endpoint: emu.endpoint,
    region: "us-west-2",
    credentials: { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  model = ec2Of(emu.emulator);
});
afterAll(() => emu.stop());
beforeEach(() => emu.emulator.reset());

const defaultVpcId = async () =>
  (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs?.[0]
    ?.VpcId as string;

const createGroup = async (name: string, tags?: Record<string, string>) =>
  (
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: `${name} group`,
        ...(tags
          ? {
              TagSpecifications: [
                { ResourceType: "security-group", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
              ],
            }
          : {}),
      }),
    )
  ).GroupId as string;

describe("EC2: a new account", () => {
  it("has a default VPC with default subnets in two AZs and a default security group", async () => {
    const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs).toHaveLength(1);
    expect(vpcs[0]).toMatchObject({ CidrBlock: "172.31.0.0/16", IsDefault: true, State: "available" });
    expect(vpcs[0]?.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    const subnets = (
      await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcs[0]?.VpcId as string] }] }))
    ).Subnets;
    expect(subnets?.map((s) => s.AvailabilityZone).sort()).toEqual(["us-west-2a", "us-west-2b"]);
    expect(subnets?.every((s) => s.DefaultForAz === true && /^subnet-/.test(s.SubnetId ?? ""))).toBe(true);
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    expect(groups.map((g) => g.GroupName)).toEqual(["default"]);
    expect(groups[0]?.IpPermissions?.[0]?.UserIdGroupPairs?.[0]?.GroupId).toBe(groups[0]?.GroupId);
    expect(groups[0]?.IpPermissionsEgress?.[0]).toMatchObject({
      IpProtocol: "-1",
      IpRanges: [{ CidrIp: "0.0.0.0/0" }],
    });
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("recreates the default VPC on reset with new ids", async () => {
    const before = await defaultVpcId();
    await emu.emulator.reset();
    const after = await defaultVpcId();
    expect(after).toMatch(/^vpc-/);
    expect(after).not.toBe(before);
  });

  it("answers InvalidVpcID.NotFound and InvalidSubnetID.NotFound", async () => {
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] }))).rejects.toMatchObject({
      name: "InvalidVpcID.NotFound",
    });
    await expect(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0123456789abcdef0"] })),
    ).rejects.toMatchObject({
      name: "InvalidSubnetID.NotFound",
    });
  });
});

describe("EC2 security groups", () => {
  it("creates, finds by name, vpc and tag, refuses duplicates and deletes", async () => {
    const id = await createGroup("alb-smoke-123", { Purpose: "alb-smoke", run: "123" });
    expect(id).toMatch(/^sg-[0-9a-f]{17}$/);
    await expect(createGroup("alb-smoke-123")).rejects.toMatchObject({ name: "InvalidGroup.Duplicate" });
    const vpcId = await defaultVpcId();
    const found = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "group-name", Values: ["alb-smoke-*"] },
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "tag:Purpose", Values: ["alb-smoke"] },
        ],
      }),
    );
    expect(found.SecurityGroups?.map((g) => g.GroupId)).toEqual([id]);
    expect(found.SecurityGroups?.[0]).toMatchObject({
      Description: "alb-smoke-123 group",
      VpcId: vpcId,
      OwnerId: "123456789012",
      IpPermissions: [],
      Tags: expect.arrayContaining([{ Key: "run", Value: "123" }]),
    });
    const byName = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["alb-smoke-123"] }));
    expect(byName.SecurityGroups?.[0]?.GroupId).toBe(id);
    expect(emu.emulator.leftovers().ec2).toEqual([expect.objectContaining({ type: "security-group", id })]);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).rejects.toMatchObject({
      name: "InvalidGroup.NotFound",
    });
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }))).rejects.toMatchObject({
      name: "InvalidGroup.NotFound",
    });
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("validates names and the VPC", async () => {
    await expect(createGroup("sg-looks-like-an-id")).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "x", VpcId: "vpc-0000000000000000f" })),
    ).rejects.toMatchObject({ name: "InvalidVpcID.NotFound" });
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "bogus", Values: ["1"] }] })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("authorizes ingress from another group, reports duplicates, and revokes by permission and by rule id", async () => {
    const alb = await createGroup("alb");
    const task = await createGroup("task");
    const permission = {
      IpProtocol: "tcp",
      FromPort: 5000,
      ToPort: 5000,
      UserIdGroupPairs: [{ GroupId: alb, Description: "alb-smoke temporary" }],
    };
    const added = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: task,
        IpPermissions: [permission],
        TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "run", Value: "1" }] }],
      }),
    );
    expect(added.Return).toBe(true);
    const rule = added.SecurityGroupRules?.[0];
    expect(rule).toMatchObject({
      GroupId: task,
      IsEgress: false,
      IpProtocol: "tcp",
      FromPort: 5000,
      ToPort: 5000,
      ReferencedGroupInfo: { GroupId: alb },
      Description: "alb-smoke temporary",
    });
    expect(rule?.SecurityGroupRuleId).toMatch(/^sgr-/);
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: task, IpPermissions: [permission] })),
    ).rejects.toMatchObject({ name: "InvalidPermission.Duplicate" });
    // The same permission twice in one request: a validation error, and nothing is added.
    const twice = { IpProtocol: "tcp", FromPort: 80, ToPort: 80 };
    await expect(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: task,
          IpPermissions: [
            { ...twice, IpRanges: [{ CidrIp: "203.0.113.7/32" }] },
            { ...twice, IpRanges: [{ CidrIp: "203.0.113.7/32" }] },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: "The same permission must not appear multiple times",
    });
    expect(model.allowsIngress([task], [alb], 5000)).toBe(true);
    expect(model.allowsIngress([task], [alb], 5001)).toBe(false);
    expect(model.allowsIngress([task], [task], 5000)).toBe(false);

    const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [task] }));
    expect(described.SecurityGroups?.[0]?.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: "tcp",
        FromPort: 5000,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: alb })],
      }),
    ]);
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [task] }] }),
    );
    expect(rules.SecurityGroupRules?.map((r) => r.IsEgress).sort()).toEqual([false, true]);
    const tagged = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "tag:run", Values: ["1"] }] }),
    );
    expect(tagged.SecurityGroupRules?.map((r) => r.SecurityGroupRuleId)).toEqual([rule?.SecurityGroupRuleId]);

    // The referenced group cannot go while the rule exists.
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: alb }))).rejects.toMatchObject({
      name: "DependencyViolation",
    });
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: task, IpPermissions: [permission] }));
    await expect(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: task, IpPermissions: [permission] })),
    ).rejects.toMatchObject({ name: "InvalidPermission.NotFound" });

    const again = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: task, IpPermissions: [permission] }),
    );
    const ruleId = again.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: task, SecurityGroupRuleIds: [ruleId] }));
    await expect(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: task, SecurityGroupRuleIds: [ruleId] })),
    ).rejects.toMatchObject({ name: "InvalidSecurityGroupRuleId.NotFound" });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: alb }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: task }));
    expect(emu.emulator.leftovers()).toEqual({});
  });

  it("accepts CIDR ingress and egress rules, and the legacy flat parameters", async () => {
    const g = await createGroup("web");
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: g,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupName: "web",
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        CidrIp: "10.0.0.0/8",
      }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: g,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, IpRanges: [{ CidrIp: "172.31.0.0/16" }] }],
      }),
    );
    await expect(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: g,
          IpPermissions: [{ IpProtocol: "tcp", FromPort: 90, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    const described = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [g] }))).SecurityGroups?.[0];
    expect(described?.IpPermissions?.map((p) => p.FromPort).sort()).toEqual([443, 80]);
    expect(described?.IpPermissionsEgress).toHaveLength(2);
    expect(model.allowsIngress([g], [], 80, ["127.1.2.3"])).toBe(true);
    expect(model.allowsIngress([g], [], 443, ["127.1.2.3"])).toBe(false);
    const found = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.cidr", Values: ["10.0.0.0/8"] }] }),
    );
    expect(found.SecurityGroups?.map((x) => x.GroupId)).toEqual([g]);
    expect(emu.emulator.leftovers().ec2).toHaveLength(4);
  });

  it("refuses to delete the default group and a group an ENI uses, until the ENI is released", async () => {
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["default"] }))).SecurityGroups;
    await expect(
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: groups?.[0]?.GroupId as string })),
    ).rejects.toMatchObject({ name: "CannotDelete" });
    const g = await createGroup("alb-sg");
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId as string;
    const eni = model.addNetworkInterface({
      subnetId: subnet,
      groups: [g],
      description: "ELB app/alb-smoke/0123456789abcdef",
      requesterId: "amazon-elb",
      requesterManaged: true,
      instanceOwnerId: "amazon-elb",
    });
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: g }))).rejects.toMatchObject({
      name: "DependencyViolation",
    });
    model.removeNetworkInterface(eni.id, 50_000); // 500 ms at timeScale 0.01: long enough to see it still blocking
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: g }))).rejects.toMatchObject({
      name: "DependencyViolation",
    });
    for (let i = 0; i < 100 && model.networkInterfaceByAddress(eni.privateIpAddress); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: g }));
  });
});

describe("EC2 network interfaces", () => {
  it("filters by description, group, VPC, address and requester-managed, with paging", async () => {
    const vpcId = await defaultVpcId();
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
    const g = await createGroup("task-sg");
    const lb = model.addNetworkInterface({
      subnetId: subnets[0]?.SubnetId as string,
      groups: [g],
      description: "ELB app/alb-smoke/0123456789abcdef",
      requesterId: "amazon-elb",
      requesterManaged: true,
    });
    const task = model.addNetworkInterface({
      id: "eni-0aaaaaaaaaaaaaaa1",
      subnetId: subnets[1]?.SubnetId as string,
      privateIpAddress: "127.0.10.5",
      groups: [g],
      description: "arn:aws:ecs:us-west-2:123456789012:attachment/1",
      tags: { service: "papyrus" },
    });
    expect(lb.privateIpAddress).toMatch(/^172\.31\./);
    const byDescription = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "description", Values: ["ELB app/alb-smoke/*"] }] }),
    );
    expect(byDescription.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual([lb.id]);
    expect(byDescription.NetworkInterfaces?.[0]).toMatchObject({
      RequesterManaged: true,
      RequesterId: "amazon-elb",
      InterfaceType: "interface",
      Status: "in-use",
      VpcId: vpcId,
      Groups: [{ GroupId: g, GroupName: "task-sg" }],
    });
    const byAddress = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "addresses.private-ip-address", Values: ["127.0.10.5"] },
          { Name: "group-id", Values: [g] },
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "requester-managed", Values: ["false"] },
        ],
      }),
    );
    expect(byAddress.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual([task.id]);
    expect(byAddress.NetworkInterfaces?.[0]?.PrivateIpAddresses?.[0]).toMatchObject({
      PrivateIpAddress: "127.0.10.5",
      Primary: true,
    });
    for (let i = 0; i < 5; i++) {
      model.addNetworkInterface({ subnetId: subnets[0]?.SubnetId as string, groups: [g], description: `n${i}` });
    }
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await ec2.send(
        new DescribeNetworkInterfacesCommand({ MaxResults: 5, ...(token ? { NextToken: token } : {}) }),
      );
      seen.push(...(res.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId as string));
      token = res.NextToken;
      if (!token) break;
    }
    expect(new Set(seen).size).toBe(7);
    // A token is opaque and belongs to its listing: DescribeSecurityGroups refuses one of DescribeNetworkInterfaces.
    const first = await ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5, NextToken: first.NextToken })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue", message: "Invalid NextToken" });
    await expect(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-0000000000000000f"] })),
    ).rejects.toMatchObject({ name: "InvalidNetworkInterfaceID.NotFound" });
  });
});

describe("EC2 tags", () => {
  it("creates, describes and deletes tags on groups, VPCs and subnets", async () => {
    const g = await createGroup("tagged");
    const vpcId = await defaultVpcId();
    await ec2.send(new CreateTagsCommand({ Resources: [g, vpcId], Tags: [{ Key: "Name", Value: "alb-smoke" }] }));
    const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["Name"] }] }));
    expect(tags.Tags?.map((t) => [t.ResourceId, t.ResourceType, t.Value]).sort()).toEqual(
      [
        [g, "security-group", "alb-smoke"],
        [vpcId, "vpc", "alb-smoke"],
      ].sort(),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: "Name" }] }));
    const left = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-type", Values: ["vpc"] }] }));
    expect(left.Tags).toEqual([]);
    await expect(
      ec2.send(new CreateTagsCommand({ Resources: ["sg-0000000000000000f"], Tags: [{ Key: "a", Value: "b" }] })),
    ).rejects.toMatchObject({ name: "InvalidGroup.NotFound" });
  });

  it("loads seeded VPCs, subnets and groups from a scenario without counting them as created", async () => {
    await emu.emulator.loadScenario({
      ec2: {
        securityGroups: [
          {
            id: "sg-0aaaaaaaaaaaaaaa1",
            name: "papyrus-task",
            ingress: [{ port: 5000, sourceGroupId: "sg-0aaaaaaaaaaaaaaa2" }],
          },
          { id: "sg-0aaaaaaaaaaaaaaa2", name: "papyrus-alb", tags: { team: "papyrus" } },
        ],
        subnets: [{ id: "subnet-0aaaaaaaaaaaaaaa3", availabilityZone: "us-west-2c" }],
      },
    });
    expect(model.allowsIngress(["sg-0aaaaaaaaaaaaaaa1"], ["sg-0aaaaaaaaaaaaaaa2"], 5000)).toBe(true);
    const subnet = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0aaaaaaaaaaaaaaa3"] }));
    expect(subnet.Subnets?.[0]?.AvailabilityZone).toBe("us-west-2c");
    expect(emu.emulator.leftovers()).toEqual({});
    // A rule added through the API to a seeded group is a leftover until revoked.
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: "sg-0aaaaaaaaaaaaaaa1",
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 5000, ToPort: 5000, UserIdGroupPairs: [{ GroupId: "sg-0aaaaaaaaaaaaaaa1" }] },
        ],
      }),
    );
    expect(emu.emulator.leftovers().ec2).toEqual([expect.objectContaining({ type: "security-group-rule" })]);
  });
});

describe("EC2 behaves like the real API where it is unkind", () => {
  it("keeps a new security group invisible to other calls for ec2.consistencyMs (eventual consistency)", async () => {
    await emu.emulator.loadScenario({ ec2: { consistencyMs: 40_000 } }); // 400 ms at timeScale 0.01
    const g = await createGroup("fresh-sg");
    const rule = { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "10.0.0.0/8" }] };
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g, IpPermissions: [rule] })),
    ).rejects.toMatchObject({ name: "InvalidGroup.NotFound" });
    const listed = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["fresh-sg"] }] }),
    );
    expect(listed.SecurityGroups).toEqual([]);
    expect(model.securityGroupExists(g)).toBe(false);
    // The name is taken at once: a second create is a duplicate, not a second group.
    await expect(createGroup("fresh-sg")).rejects.toMatchObject({ name: "InvalidGroup.Duplicate" });
    for (let i = 0; i < 200 && !model.securityGroupExists(g); i++) await new Promise((r) => setTimeout(r, 10));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g, IpPermissions: [rule] }));
  });

  it("refuses filters and parameters the API does not document", async () => {
    await expect(
      ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "tag-key", Values: ["x"] }] })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue", message: "The filter 'tag-key' is invalid" });
    await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "tag:x", Values: ["*"] }] }));
    const signed = {
      authorization: "AWS4-HMAC-SHA256 Credential=AKIAEMULATOR00000001/20261201/us-west-2/ec2/aws4_request",
    };
    const unknown = await emu.emulator.handle({
      headers: signed,
      body: "Action=DescribeSubnets&Version=2016-11-15&Bogus=1",
    });
    expect([unknown.status, /<Code>UnknownParameter<\/Code>/.test(unknown.body)]).toEqual([400, true]);
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-0123456789abcdef0"], MaxResults: 5 })),
    ).rejects.toMatchObject({ name: "InvalidParameterCombination" });
  });

  it("commits a call whose response it then loses (fault loseResponseNth)", async () => {
    emu.emulator.faults.configure({
      rules: [{ service: "ec2", action: "CreateSecurityGroup", loseResponseNth: { n: 1 } }],
    });
    await expect(createGroup("lost-sg")).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const found = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["lost-sg"] }] }),
    );
    expect(found.SecurityGroups).toHaveLength(1);
    expect(emu.emulator.requests.find((r) => r.action === "CreateSecurityGroup")?.code).toBe("LostResponse.5xx");
  });
});
