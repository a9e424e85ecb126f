/**
 * Attributes the plan leaves unknown until apply because they are computed
 * from resources it creates — `policy = jsonencode({ … Resource =
 * aws_secretsmanager_secret.x.arn … })`, `container_definitions =
 * jsonencode([…])` — evaluated from the resource's block in the workspace's
 * `.tf` files: the plan JSON carries only the expression's references, its
 * shape is in the source. References are resolved from the plan (known
 * values, the data sources it read, root variables) or become the one
 * placeholder of the resource the plan creates, the same string everywhere.
 * A block is used only when its references are exactly the ones the plan
 * lists for the attribute (so an unrelated or stale `.tf` file is never
 * read as the plan's); whatever cannot be evaluated stays unknown, with the
 * references named.
 */
import {
  type Expr,
  evaluateHcl,
  HclUnknown,
  HclUnsupported,
  type HclValue,
  parseHclExpression,
  referencesIn,
  type Step,
} from "./hcl";
import type { FindBlocks, SourceBlock } from "./source-lines";
import { FOLLOW, type PlanValues, type ResourceChange } from "./terraform-values";
import type { Unresolved } from "./types";

/** How a policy is written in the `.tf` source, so a fix is offered in the same form. */
export type PolicyForm = "jsonencode" | "policy-document";

export interface PlanSource {
  find: FindBlocks;
  /** `variables` of the plan (root module input values). */
  variables: Record<string, { value?: unknown }>;
  /** Root variables declared sensitive (`configuration.root_module.variables.<name>.sensitive`). */
  sensitiveVariables: Set<string>;
  /** What the plan's data sources read at plan time (`prior_state`), by address. */
  dataValues: Map<string, { values: Record<string, unknown>; sensitive: unknown }>;
}

interface PriorModule {
  resources?: { address: string; mode?: string; values?: Record<string, unknown>; sensitive_values?: unknown }[];
  child_modules?: PriorModule[];
}

export function planSource(plan: Record<string, unknown>, find: FindBlocks): PlanSource {
  const dataValues = new Map<string, { values: Record<string, unknown>; sensitive: unknown }>();
  const walk = (m: PriorModule | undefined) => {
    for (const r of m?.resources ?? []) {
      if (r.mode === "data") dataValues.set(r.address, { values: r.values ?? {}, sensitive: r.sensitive_values });
    }
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk((plan.prior_state as { values?: { root_module?: PriorModule } } | undefined)?.values?.root_module);
  const declared = ((plan.configuration as { root_module?: { variables?: Record<string, { sensitive?: boolean }> } })
    ?.root_module?.variables ?? {}) as Record<string, { sensitive?: boolean }>;
  return {
    find,
    variables: (plan.variables ?? {}) as Record<string, { value?: unknown }>,
    sensitiveVariables: new Set(Object.entries(declared).flatMap(([k, v]) => (v.sensitive ? [k] : []))),
    dataValues,
  };
}

/** A reference as the plan's `references` lists it, without instance keys and past the attribute. */
function normalized(reference: string): string {
  const parts = reference.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g, "").split(".");
  const keep =
    parts[0] === "data"
      ? 4
      : parts[0] === "module"
        ? 3
        : ["var", "local", "each", "count", "path", "terraform", "self"].includes(parts[0] ?? "")
          ? 2
          : 3;
  return parts.slice(0, keep).join(".");
}

/** The references of a set that are not a prefix of another one (Terraform lists `aws_x.y` next to `aws_x.y.arn`). */
function leaves(refs: string[]): Set<string> {
  const set = [...new Set(refs.map(normalized))];
  return new Set(set.filter((r) => !set.some((o) => o !== r && o.startsWith(`${r}.`))));
}

const written = (root: string, steps: Step[]) =>
  [root, ...steps.map((s) => (typeof s === "string" ? `.${s}` : `[${JSON.stringify(s.index)}]`))].join("");

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** A flag tree (`after_unknown`, `after_sensitive`, `sensitive_values`) marks some part of a value. */
function anyTrue(flags: unknown): boolean {
  if (flags === true) return true;
  if (Array.isArray(flags)) return flags.some(anyTrue);
  if (flags && typeof flags === "object") return Object.values(flags).some(anyTrue);
  return false;
}

/** Walks `steps` into a known value; `unknown`/`sensitive` are the matching flag trees. */
function walkValue(value: unknown, unknown: unknown, sensitive: unknown, steps: Step[], ref: string): HclValue {
  let v = value;
  let u = unknown;
  let s = sensitive;
  for (const step of steps) {
    if (u === true) throw new HclUnknown(`${ref} is unknown until apply`);
    const key = typeof step === "string" ? step : step.index;
    const pick = (x: unknown) =>
      x && typeof x === "object" ? (x as Record<string | number, unknown>)[key as string] : undefined;
    v = pick(v);
    u = pick(u);
    s = s === true ? true : pick(s);
    if (v === undefined && u !== true) throw new HclUnknown(`${ref} is not in the plan`);
  }
  if (anyTrue(u)) throw new HclUnknown(`${ref} is unknown until apply`);
  if (anyTrue(s)) throw new HclUnknown(`${ref} is sensitive: the preflight does not read it`);
  return v as HclValue;
}

export interface Evaluated {
  /** The attribute's value (a string for the attributes this is used for). */
  value?: HclValue;
  /** Where it was read: `infra/main.tf:12`. */
  from?: string;
  /** How it is written: jsonencode(...), or a policy document's `.json`. */
  form?: PolicyForm;
  /** Why it could not be evaluated (candidates tried, or none found). */
  why?: string;
}

/**
 * The value of `rc`'s attribute at `path` (`["policy"]`, `["inline_policy", 0, "policy"]`)
 * evaluated from its block in the `.tf` files, or why not.
 */
export function evaluateAttribute(
  rc: ResourceChange,
  path: (string | number)[],
  values: PlanValues,
  source: PlanSource | undefined,
): Evaluated {
  if (!source) return { why: "the preflight was not given the .tf files" };
  const candidates = source.find(rc.address);
  if (candidates.length === 0) return { why: `its resource block is not in the workspace's .tf files` };
  const planRefs = leaves(values.expression(rc, path)?.references ?? []);
  const results: Evaluated[] = [];
  const problems: string[] = [];
  for (const c of candidates) {
    const attribute = attributeAt(c, path);
    if (!attribute) continue;
    const where = `${c.file}:${attribute.line}`;
    let expr: Expr;
    try {
      expr = parseHclExpression(attribute.text, attribute.line);
    } catch (error) {
      if (!(error instanceof HclUnsupported)) throw error;
      problems.push(`${where} uses ${error.message}, which the preflight does not evaluate`);
      continue;
    }
    const mine = leaves(referencesIn(expr).map((r) => written(r.root, r.steps)));
    if (!sameSet(mine, planRefs)) continue;
    const form: PolicyForm | undefined =
      expr.kind === "call" && expr.name === "jsonencode"
        ? "jsonencode"
        : [...mine].some((r) => r.startsWith("data.aws_iam_policy_document."))
          ? "policy-document"
          : undefined;
    try {
      const value = evaluateHcl(expr, resolver(rc, values, source, c, 0));
      results.push({ value, from: where, ...(form ? { form } : {}) });
    } catch (error) {
      if (!(error instanceof HclUnknown || error instanceof HclUnsupported)) throw error;
      problems.push(
        error instanceof HclUnsupported
          ? `${where} uses ${error.message}, which the preflight does not evaluate`
          : `in ${where}, ${error.message}`,
      );
      if (form) results.push({ form, from: where });
    }
  }
  const evaluated = results.filter((r) => r.value !== undefined);
  const texts = new Set(evaluated.map((r) => JSON.stringify(r.value)));
  if (evaluated.length > 0 && texts.size === 1 && problems.length === 0) return evaluated[0] as Evaluated;
  const form = results.every((r) => r.form === results[0]?.form) ? results[0]?.form : undefined;
  const why =
    texts.size > 1
      ? `the .tf files hold several blocks for ${rc.address} that evaluate differently (${evaluated.map((r) => r.from).join(", ")})`
      : problems.length > 0
        ? problems.join("; ")
        : `no resource block for it in the workspace's .tf files has the references the plan lists (${[...planRefs].join(", ") || "none"})`;
  return { why, ...(form ? { form } : {}) };
}

/** The attribute at `path` in a block: `["policy"]`, or `["inline_policy", 0, "policy"]` (the nested block's index). */
function attributeAt(c: SourceBlock, path: (string | number)[]) {
  let block = c.block;
  for (let i = 0; i < path.length - 1; i += 2) {
    const nested = block.blocks.filter((b) => b.type === path[i]);
    const next = nested[Number(path[i + 1])];
    if (!next) return undefined;
    block = next;
  }
  return block.attributes.get(String(path[path.length - 1]));
}

/** Resolves references of `rc`'s block (relative to its module) from the plan. */
function resolver(rc: ResourceChange, values: PlanValues, source: PlanSource, block: SourceBlock, depth: number) {
  const module = rc.module_address ? `${rc.module_address}.` : "";
  const resolve = (root: string, steps: Step[]): HclValue => {
    const ref = written(root, steps);
    const name = steps[0];
    switch (root) {
      case "var": {
        if (module) throw new HclUnknown(`${ref}: the variables of a module are not in the plan`);
        if (typeof name !== "string" || !(name in source.variables)) throw new HclUnknown(`${ref} is not in the plan`);
        if (source.sensitiveVariables.has(name))
          throw new HclUnknown(`${ref} is sensitive: the preflight does not read it`);
        return walkValue(source.variables[name]?.value, undefined, undefined, steps.slice(1), ref);
      }
      case "local": {
        const local = typeof name === "string" ? block.locals().get(name) : undefined;
        if (!local || depth >= 8) throw new HclUnknown(`${ref} is not in the .tf files next to ${block.file}`);
        let expr: Expr;
        try {
          expr = parseHclExpression(local.text, local.line);
        } catch (error) {
          if (error instanceof HclUnsupported) throw new HclUnsupported(`${error.message} in ${ref}`);
          throw error;
        }
        const value = evaluateHcl(expr, resolver(rc, values, source, block, depth + 1));
        return walkValue(value, undefined, undefined, steps.slice(1), ref);
      }
      case "count":
        if (name === "index" && typeof rc.index === "number") return rc.index;
        throw new HclUnknown(`${ref} is not known for ${rc.address}`);
      case "each":
        if (name === "key" && rc.index !== undefined) return String(rc.index);
        throw new HclUnknown(`${ref} is not in the plan`);
      case "data": {
        const [type, dataName, ...rest] = steps;
        const indexed = rest[0] && typeof rest[0] !== "string" ? rest.shift() : undefined;
        const address = `${module}data.${String(type)}.${String(dataName)}${indexed && typeof indexed !== "string" ? `[${JSON.stringify(indexed.index)}]` : ""}`;
        const read = source.dataValues.get(address);
        if (read) return walkValue(read.values, undefined, read.sensitive, rest, ref);
        const planned = values.byAddress.get(address);
        if (planned) {
          return walkValue(
            planned.change.after,
            planned.change.after_unknown,
            (planned.change as { after_sensitive?: unknown }).after_sensitive,
            rest,
            ref,
          );
        }
        throw new HclUnknown(`${ref} is not in the plan`);
      }
      case "module":
      case "path":
      case "terraform":
      case "self":
        throw new HclUnknown(`${ref} is not in the plan`);
      default: {
        const [resourceName, ...rest] = steps;
        const indexed = rest[0] && typeof rest[0] !== "string" ? rest.shift() : undefined;
        const base = `${module}${root}.${String(resourceName)}`;
        const address = indexed && typeof indexed !== "string" ? `${base}[${JSON.stringify(indexed.index)}]` : base;
        const target = values.byAddress.get(address);
        if (!target) throw new HclUnknown(`${ref}: ${address} is not in the plan`);
        const [attr, ...deeper] = rest;
        if (typeof attr !== "string") throw new HclUnsupported(`a reference to the whole resource ${ref}`);
        const change = target.change as ResourceChange["change"] & { after_sensitive?: Record<string, unknown> };
        if (change.after_unknown?.[attr] === true && deeper.length === 0) {
          const followed = values.stringAttr(target, attr, FOLLOW[attr]).value ?? values.placeholder(target, attr);
          if (followed === undefined) throw new HclUnknown(`${ref} is unknown until apply`);
          return followed;
        }
        return walkValue(change.after ?? {}, change.after_unknown ?? {}, change.after_sensitive ?? {}, rest, ref);
      }
    }
  };
  return resolve;
}

/** An attribute the source could not give, reported with the plan's references and the reason. */
export function unknownAttribute(
  rc: ResourceChange,
  path: (string | number)[],
  values: PlanValues,
  why: string,
): Unresolved {
  const refs = values.referencesOf(rc, path);
  const at = attributePath(rc, path);
  return {
    at,
    reason: `unknown until apply${refs.length > 0 ? `: it is computed from ${refs.join(", ")}` : ""}; the preflight could not evaluate it from the .tf source (${why})`,
  };
}

/** `aws_iam_role.x.inline_policy[0].policy` for `["inline_policy", 0, "policy"]`. */
export const attributePath = (rc: ResourceChange, path: (string | number)[]) =>
  `${rc.address}.${path
    .map((p) => (typeof p === "number" ? `[${p}]` : p))
    .join(".")
    .replace(/\.\[/g, "[")}`;
