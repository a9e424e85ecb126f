/**
 * AWS managed policies that ECS task and execution roles commonly carry, with
 * their published documents (default version), so scenarios and tests can
 * attach them by their real ARNs.
 */
export interface AwsManagedPolicy {
  name: string;
  path: string;
  description: string;
  versionId: string;
  document: string;
}

const doc = (statement: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: statement }, null, 4);

export const AWS_MANAGED_POLICIES: AwsManagedPolicy[] = [
  {
    name: "AmazonECSTaskExecutionRolePolicy",
    path: "/service-role/",
    description: "Provides access to other AWS service resources that are required to run Amazon ECS tasks",
    versionId: "v1",
    document: doc([
      {
        Effect: "Allow",
        Action: [
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchGetImage",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
        ],
        Resource: "*",
      },
    ]),
  },
  {
    name: "AmazonEC2ContainerRegistryReadOnly",
    path: "/",
    description: "Provides read-only access to Amazon EC2 Container Registry repositories.",
    versionId: "v3",
    document: doc([
      {
        Effect: "Allow",
        Action: [
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:GetRepositoryPolicy",
          "ecr:DescribeRepositories",
          "ecr:ListImages",
          "ecr:DescribeImages",
          "ecr:BatchGetImage",
          "ecr:GetLifecyclePolicy",
          "ecr:GetLifecyclePolicyPreview",
          "ecr:ListTagsForResource",
          "ecr:DescribeImageScanFindings",
        ],
        Resource: "*",
      },
    ]),
  },
  {
    name: "AmazonSSMReadOnlyAccess",
    path: "/",
    description: "Provides read only access to Amazon SSM.",
    versionId: "v1",
    document: doc([{ Effect: "Allow", Action: ["ssm:Describe*", "ssm:Get*", "ssm:List*"], Resource: "*" }]),
  },
  {
    name: "AdministratorAccess",
    path: "/",
    description: "Provides full access to AWS services and resources.",
    versionId: "v1",
    document: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]),
  },
];
