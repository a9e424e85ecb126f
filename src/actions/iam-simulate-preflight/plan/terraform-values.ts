/**
 * Values of a Terraform plan (`terraform show -json`, format 1.x): known
 * attributes from `change.after`, unknown ones (`after_unknown`) followed
 * through `configuration…expressions.<attr>.references` to the resource they
 * come from, and one placeholder ARN per resource the plan creates.
 * Format: https://developer.hashicorp.com/terraform/internals/json-format
 */
import { kmsAliasArn, type PlanScope, type Unresolved } from "./types";

export interface ResourceChange {
  address: string;
  module_address?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: string | number;
  change: {
    actions: string[];
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown> | null;
    after_unknown?: Record<string, unknown>;
  };
}

interface ConfigExpression {
  references?: string[];
  constant_value?: unknown;
}
type Expressions = Record<string, unknown>;
interface ConfigModule {
  resources?: { address: string; expressions?: Expressions }[];
  module_calls?: Record<string, { module?: ConfigModule }>;
}

/** `module.a["x"].module.b[0].aws_x.y[2]` → `module.a.module.b.aws_x.y`: the address in `configuration`. */
export const configAddress = (address: string) => address.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g, "");

/** The module instance part of an address (`module.app` of `module.app.aws_x.y`), empty at the root. */
const moduleOf = (rc: ResourceChange) => rc.module_address ?? "";

/** Attributes a resource usually takes straight from another's attribute of the same meaning. */
export const FOLLOW: Record<string, RegExp> = {
  arn: /\.arn$/,
  id: /\.(id|name)$/,
  name: /\.(id|name)$/,
  execution_role_arn: /\.arn$/,
  task_role_arn: /\.arn$/,
  role: /\.(id|name)$/,
  policy_arn: /\.arn$/,
};

const REFERENCE = /^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)/;

export class PlanValues {
  readonly byAddress = new Map<string, ResourceChange>();
  private readonly expressions = new Map<string, Expressions>();
  readonly placeholders = new Map<string, string>();

  constructor(
    resourceChanges: ResourceChange[],
    configuration: { root_module?: ConfigModule } | undefined,
    readonly scope: PlanScope,
  ) {
    for (const rc of resourceChanges) this.byAddress.set(rc.address, rc);
    const walk = (m: ConfigModule | undefined, prefix: string) => {
      for (const r of m?.resources ?? []) this.expressions.set(prefix + r.address, r.expressions ?? {});
      for (const [name, call] of Object.entries(m?.module_calls ?? {})) walk(call.module, `${prefix}module.${name}.`);
    };
    walk(configuration?.root_module, "");
  }

  /** The configuration expression of `attr` (a path: `["statement", 0, "resources"]`). */
  expression(rc: ResourceChange, path: (string | number)[]): ConfigExpression | undefined {
    let node: unknown = this.expressions.get(configAddress(rc.address));
    for (const step of path) {
      if (Array.isArray(node)) node = typeof step === "number" ? node[step] : undefined;
      else if (node && typeof node === "object") node = (node as Record<string, unknown>)[String(step)];
      else return undefined;
    }
    return node && typeof node === "object" && !Array.isArray(node) ? (node as ConfigExpression) : undefined;
  }

  /** Whether the configuration sets `attr` at all (blocks are lists of expressions there). */
  configures(rc: ResourceChange, attr: string): boolean {
    return this.expressions.get(configAddress(rc.address))?.[attr] !== undefined;
  }

  /** The references that make `path` unknown, without the bare resource entries Terraform lists next to them. */
  referencesOf(rc: ResourceChange, path: (string | number)[]): string[] {
    const refs = this.expression(rc, path)?.references ?? [];
    return refs.filter((r) => !refs.some((o) => o !== r && o.startsWith(`${r}.`)));
  }

  /**
   * A string attribute as it will be after apply: known, or — when `follow`
   * says which attribute it is set from (`execution_role_arn = aws_iam_role.x.arn`)
   * — the value or placeholder of that one reference. The plan shows only the
   * references of an expression, not its shape, so nothing else is followed:
   * `jsonencode([... aws_secretsmanager_secret.x.arn ...])` stays unknown here (terraform-source.ts
   * evaluates it from the `.tf` source).
   */
  stringAttr(rc: ResourceChange, attr: string, follow?: RegExp, depth = 0): { value?: string; unknown?: Unresolved } {
    const after = rc.change.after ?? {};
    const known = after[attr];
    if (typeof known === "string") return { value: known };
    const isUnknown = rc.change.after_unknown?.[attr] === true;
    if (!isUnknown) return {};
    const refs = this.referencesOf(rc, [attr]);
    const at = `${rc.address}.${attr}`;
    if (follow && refs.length === 1 && follow.test(refs[0] as string) && depth < 8) {
      const resolved = this.referencedString(rc, refs[0] as string, depth);
      if (resolved !== undefined) return { value: resolved };
    }
    const reason =
      refs.length > 0
        ? `unknown until apply: it is computed from ${refs.join(", ")}`
        : "unknown until apply (computed by the provider)";
    return { unknown: { at, reason } };
  }

  /** The resource a reference (`aws_iam_role.exec.arn`, relative to `from`'s module) points at. */
  target(from: ResourceChange, reference: string): ResourceChange | undefined {
    const m = REFERENCE.exec(reference);
    if (!m) return undefined;
    const [, data, type, name] = m;
    const module = moduleOf(from);
    const address = `${module ? `${module}.` : ""}${data ? "data." : ""}${type}.${name}`;
    return this.byAddress.get(address) ?? this.byAddress.get(`${address}[0]`);
  }

  /** `aws_iam_role.exec.arn` (relative to `from`'s module) as known or as placeholder. */
  referencedString(from: ResourceChange, reference: string, depth = 0): string | undefined {
    const attr = REFERENCE.exec(reference)?.[4];
    const target = this.target(from, reference);
    if (!target || !attr) return undefined;
    const value = this.stringAttr(target, attr, FOLLOW[attr], depth + 1);
    if (value.value !== undefined) return value.value;
    return this.placeholder(target, attr);
  }

  /**
   * The ARN (or name) a created resource will have, built from its known
   * attributes; one per resource address, so the task definition and the
   * policy that reference the same resource see the same string.
   */
  placeholder(rc: ResourceChange, attr: string): string | undefined {
    const after = rc.change.after ?? {};
    const { partition: p, region, account } = this.scope;
    const named = typeof after.name === "string" ? after.name : undefined;
    const name = named ?? `planned-${rc.name}`;
    const path = typeof after.path === "string" ? after.path : "/";
    let arn: string | undefined;
    let byName: string | undefined;
    switch (rc.type) {
      case "aws_iam_role":
        arn = `arn:${p}:iam::${account}:role${path}${name}`;
        byName = name;
        break;
      case "aws_iam_policy":
        arn = `arn:${p}:iam::${account}:policy${path}${name}`;
        break;
      case "aws_secretsmanager_secret":
        // Secrets Manager appends six random characters to the name in the ARN.
        arn = `arn:${p}:secretsmanager:${region}:${account}:secret:${name}-PLANND`;
        break;
      case "aws_ssm_parameter":
        arn = `arn:${p}:ssm:${region}:${account}:parameter/${name.replace(/^\//, "")}`;
        byName = name;
        break;
      case "aws_kms_key":
        arn = `arn:${p}:kms:${region}:${account}:key/${placeholderKeyId(rc.address)}`;
        break;
      case "aws_kms_alias":
        // An alias's name is its id ("alias/<name>"), known at plan time when it is given.
        if (!named) return undefined;
        arn = kmsAliasArn(named, this.scope);
        byName = named;
        break;
      default:
        return undefined;
    }
    const value =
      attr === "arn" || (attr === "key_id" && rc.type === "aws_kms_key")
        ? arn
        : (attr === "id" || attr === "name") && byName
          ? byName
          : attr === "id"
            ? arn
            : undefined;
    if (value !== undefined) this.placeholders.set(rc.address, arn);
    return value;
  }
}

/** The key id a key the plan creates stands in with: a UUID whose last group is a hash of `seed` (its address). */
export const placeholderKeyId = (seed: string) => `00000000-0000-4000-8000-${hex12(seed)}`;

/** A stable 12-hex-digit tag of a string (FNV-1a), so a placeholder key id is the same on every run. */
function hex12(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const c of Buffer.from(s)) h = ((h ^ BigInt(c)) * 0x100000001b3n) & 0xffffffffffffn;
  return h.toString(16).padStart(12, "0");
}
