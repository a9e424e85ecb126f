/**
 * CloudFormation intrinsic functions, resolved the way CloudFormation would
 * at deploy time from what the preflight can know before it: pseudo
 * parameters, template parameters, exports (ListExports), the deployed
 * stack's resources (DescribeStackResources) and, for resources the template
 * creates, one placeholder per logical ID. What cannot be known becomes an
 * `UNRESOLVED(...)` string and an entry in `unresolved`, never a guess.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 */
import { placeholderKeyId } from "./terraform-values";
import type { PlanScope, Unresolved } from "./types";

export interface CfnContext {
  scope: PlanScope;
  stackName?: string;
  /** `template-parameters`: Key=Value (lists comma-separated, as the CLI takes them). */
  parameters: Record<string, string>;
  /** Export name → value, from cloudformation:ListExports; undefined when not read. */
  exports?: Map<string, string>;
  /** Logical ID → physical ID of the deployed stack (DescribeStackResources), when `stack-name` is given. */
  stackResources?: Map<string, string>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

export const UNRESOLVED = "UNRESOLVED";
const NO_VALUE = Symbol("AWS::NoValue");

export const isUnresolvedString = (v: unknown) => typeof v === "string" && v.includes(`${UNRESOLVED}(`);

export class Intrinsics {
  readonly unresolved: Unresolved[] = [];
  readonly placeholders = new Map<string, string>();

  constructor(
    private readonly template: Record<string, unknown>,
    private readonly ctx: CfnContext,
  ) {}

  private get resources(): Record<string, CfnResource> {
    return (this.template.Resources ?? {}) as Record<string, CfnResource>;
  }

  private fail(at: string, reason: string): string {
    this.unresolved.push({ at, reason });
    return `${UNRESOLVED}(${reason})`;
  }

  /** Resolves every intrinsic inside `value`; `at` names the place for the report. */
  resolve(value: unknown, at: string): unknown {
    const out = this.walk(value, at);
    return out === NO_VALUE ? undefined : out;
  }

  private walk(value: unknown, at: string): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.walk(v, `${at}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (!value || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === "Ref" || first[0].startsWith("Fn::"))) {
      return this.intrinsic(first[0], first[1], at);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const r = this.walk(v, `${at}.${k}`);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private str(value: unknown, at: string): string {
    const v = this.walk(value, at);
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return this.fail(at, `expected a string, got ${JSON.stringify(v)}`);
  }

  private intrinsic(fn: string, arg: unknown, at: string): unknown {
    switch (fn) {
      case "Ref":
        return this.ref(String(arg), at);
      case "Fn::GetAtt": {
        const [id, ...attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split(".");
        return this.getAtt(id ?? "", attr.join("."), at);
      }
      case "Fn::Sub":
        return this.sub(arg, at);
      case "Fn::Join": {
        const [delimiter, list] = arg as [string, unknown];
        const items = this.walk(list, at);
        if (!Array.isArray(items)) return this.fail(at, "Fn::Join needs a list");
        return items.map((v, i) => (typeof v === "string" ? v : this.str(v, `${at}[${i}]`))).join(delimiter);
      }
      case "Fn::Select": {
        const [index, list] = arg as [unknown, unknown];
        const items = this.walk(list, at);
        const i = Number(this.walk(index, at));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          return this.fail(at, "Fn::Select index out of range of its list");
        }
        return items[i];
      }
      case "Fn::Split": {
        const [delimiter, source] = arg as [string, unknown];
        return this.str(source, at).split(delimiter);
      }
      case "Fn::If": {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        const holds = this.condition(condition, at);
        if (holds === undefined) return this.fail(at, `condition ${condition} cannot be evaluated before deploy`);
        return this.walk(holds ? whenTrue : whenFalse, at);
      }
      case "Fn::FindInMap": {
        const [map, top, second] = (arg as unknown[]).map((v, i) => this.str(v, `${at}[${i}]`));
        const found = ((this.template.Mappings ?? {}) as Record<string, Record<string, Record<string, unknown>>>)[
          map ?? ""
        ]?.[top ?? ""]?.[second ?? ""];
        return found === undefined ? this.fail(at, `Fn::FindInMap ${map}/${top}/${second} is not in Mappings`) : found;
      }
      case "Fn::ImportValue": {
        const name = this.str(arg, at);
        if (!this.ctx.exports) return this.fail(at, `Fn::ImportValue ${name}: exports were not read`);
        const value = this.ctx.exports.get(name);
        return (
          value ??
          this.fail(
            at,
            `Fn::ImportValue ${name}: no such export in ${this.ctx.scope.region} (cloudformation:ListExports)`,
          )
        );
      }
      default:
        return this.fail(at, `${fn} is not resolved by the preflight`);
    }
  }

  private ref(name: string, at: string): unknown {
    const { account, region, partition } = this.ctx.scope;
    switch (name) {
      case "AWS::AccountId":
        return account;
      case "AWS::Region":
        return region;
      case "AWS::Partition":
        return partition;
      case "AWS::URLSuffix":
        return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
      case "AWS::NoValue":
        return NO_VALUE;
      case "AWS::StackName":
        return this.ctx.stackName ?? this.fail(at, "AWS::StackName: give stack-name");
      case "AWS::StackId":
        return this.fail(at, "AWS::StackId is only known once the stack exists");
    }
    const parameters = (this.template.Parameters ?? {}) as Record<string, { Type?: string; Default?: unknown }>;
    const parameter = parameters[name];
    if (parameter) {
      const raw =
        this.ctx.parameters[name] ?? (parameter.Default !== undefined ? String(parameter.Default) : undefined);
      if (raw === undefined) return this.fail(at, `parameter ${name} has no value: give it in template-parameters`);
      return /^(List<|CommaDelimitedList)/.test(parameter.Type ?? "") ? raw.split(",").map((s) => s.trim()) : raw;
    }
    const resource = this.resources[name];
    if (!resource) return this.fail(at, `Ref ${name}: no such parameter or resource`);
    const physical = this.ctx.stackResources?.get(name);
    if (physical !== undefined) return physical;
    return this.planned(name, resource, "Ref", at);
  }

  private getAtt(id: string, attr: string, at: string): unknown {
    const resource = this.resources[id];
    if (!resource) return this.fail(at, `Fn::GetAtt ${id}.${attr}: no such resource`);
    if (attr === "Arn" && this.ctx.stackResources?.has(id)) {
      const physical = this.ctx.stackResources.get(id) as string;
      if (physical.startsWith("arn:")) return physical;
      const arn = this.arnFromName(resource.Type, physical, resource);
      if (arn) return arn;
    }
    return this.planned(id, resource, attr, at);
  }

  private arnFromName(type: string, name: string, resource: CfnResource): string | undefined {
    const { account, region, partition: p } = this.ctx.scope;
    const path = typeof resource.Properties?.Path === "string" ? resource.Properties.Path : "/";
    if (type === "AWS::IAM::Role") return `arn:${p}:iam::${account}:role${path}${name}`;
    if (type === "AWS::Logs::LogGroup") return `arn:${p}:logs:${region}:${account}:log-group:${name}:*`;
    if (type === "AWS::KMS::Key") return `arn:${p}:kms:${region}:${account}:key/${name}`;
    if (type === "AWS::S3::Bucket") return `arn:${p}:s3:::${name}`;
    if (type === "AWS::ECR::Repository") return `arn:${p}:ecr:${region}:${account}:repository/${name}`;
    return undefined;
  }

  /** The name CloudFormation will give a resource: its name property, or `<stack>-<logicalId>-<suffix>`. */
  physicalName(id: string): string {
    const resource = this.resources[id] as CfnResource;
    const property = {
      "AWS::IAM::Role": "RoleName",
      "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
      "AWS::SecretsManager::Secret": "Name",
      "AWS::SSM::Parameter": "Name",
      "AWS::Logs::LogGroup": "LogGroupName",
      "AWS::S3::Bucket": "BucketName",
      "AWS::ECR::Repository": "RepositoryName",
      "AWS::KMS::Alias": "AliasName",
    }[resource.Type];
    const given = property ? resource.Properties?.[property] : undefined;
    if (given !== undefined) return this.str(given, `${id}.Properties.${property}`);
    return `${this.ctx.stackName ?? "stack"}-${id}-PLANNED`;
  }

  /** The placeholder for `Ref`/`GetAtt` of a resource the template creates (one per logical ID). */
  private planned(id: string, resource: CfnResource, attr: string, at: string): unknown {
    const { account, region, partition: p } = this.ctx.scope;
    const name = () => this.physicalName(id);
    let arn: string | undefined;
    let ref: string | undefined;
    switch (resource.Type) {
      case "AWS::SecretsManager::Secret":
        arn = `arn:${p}:secretsmanager:${region}:${account}:secret:${name()}-PLANND`;
        ref = arn;
        break;
      case "AWS::IAM::ManagedPolicy": {
        const path = typeof resource.Properties?.Path === "string" ? resource.Properties.Path : "/";
        arn = `arn:${p}:iam::${account}:policy${path}${name()}`;
        ref = arn;
        break;
      }
      case "AWS::KMS::Key": {
        // A key id is a UUID (hex digits): the last group is a hash of the logical ID, as for Terraform's addresses.
        const keyId = placeholderKeyId(id);
        arn = `arn:${p}:kms:${region}:${account}:key/${keyId}`;
        ref = keyId;
        break;
      }
      case "AWS::SSM::Parameter":
        ref = name();
        arn = `arn:${p}:ssm:${region}:${account}:parameter/${ref.replace(/^\//, "")}`;
        break;
      default:
        ref = name();
        arn = this.arnFromName(resource.Type, ref, resource);
    }
    if (arn) this.placeholders.set(id, arn);
    if (attr === "Ref") return ref;
    if (attr === "Arn" && arn) return arn;
    return this.fail(at, `Fn::GetAtt ${id}.${attr} is only known once ${resource.Type} ${id} exists`);
  }

  private sub(arg: unknown, at: string): string {
    const [template, vars] = Array.isArray(arg) ? (arg as [unknown, Record<string, unknown>]) : [arg, {}];
    const text = this.str(template, at);
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (vars && name in vars) return this.str(vars[name], `${at}.${name}`);
      const dot = name.indexOf(".");
      if (dot > 0 && !name.startsWith("AWS::")) {
        const v = this.getAtt(name.slice(0, dot), name.slice(dot + 1), at);
        return typeof v === "string" ? v : this.fail(at, `\${${name}} is not a string`);
      }
      const v = this.ref(name, at);
      return typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : this.fail(at, `\${${name}} is not a string`);
    });
  }

  /** A condition's value, or undefined when it depends on something unknown before deploy. */
  condition(name: string, at: string): boolean | undefined {
    const conditions = (this.template.Conditions ?? {}) as Record<string, unknown>;
    if (!(name in conditions)) {
      this.fail(at, `condition ${name} is not in Conditions`);
      return undefined;
    }
    return this.evaluate(conditions[name], at);
  }

  private evaluate(expr: unknown, at: string): boolean | undefined {
    if (typeof expr === "boolean") return expr;
    if (!expr || typeof expr !== "object") return undefined;
    const [[fn, arg] = []] = Object.entries(expr as Record<string, unknown>);
    const args = Array.isArray(arg) ? arg : [arg];
    const before = this.unresolved.length;
    const result = (() => {
      switch (fn) {
        case "Fn::Equals": {
          const [a, b] = args.map((v) => this.walk(v, at));
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case "Fn::Not":
          return this.negate(this.evaluate(args[0], at));
        case "Fn::And": {
          const vs = args.map((v) => this.evaluate(v, at));
          return vs.includes(false) ? false : vs.includes(undefined) ? undefined : true;
        }
        case "Fn::Or": {
          const vs = args.map((v) => this.evaluate(v, at));
          return vs.includes(true) ? true : vs.includes(undefined) ? undefined : false;
        }
        case "Condition":
          return this.condition(String(arg), at);
        default:
          return undefined;
      }
    })();
    // A comparison with an unresolved value is itself unknown.
    return this.unresolved.length > before && fn === "Fn::Equals" ? undefined : result;
  }

  private negate(v: boolean | undefined) {
    return v === undefined ? undefined : !v;
  }
}
