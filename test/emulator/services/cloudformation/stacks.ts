/**
 * The stacks a scenario declares: their resources (logical → physical ID)
 * and exports. Stacks are seeded only; the emulator does not deploy templates.
 */
import { randomUUID } from "node:crypto";

export interface StackResource {
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
}

export interface Stack {
  name: string;
  id: string;
  resources: StackResource[];
  exports: Map<string, string>;
  created: Date;
}

export interface CloudFormationScenario {
  stacks?: {
    name: string;
    resources?: { logicalId: string; physicalId: string; type: string; status?: string }[];
    /** Export name → value (the stack's Outputs with `Export`). */
    exports?: Record<string, string>;
  }[];
}

export class StackStore {
  readonly stacks = new Map<string, Stack>();

  constructor(
    private readonly region: () => string,
    private readonly account: () => string,
  ) {}

  load(section: CloudFormationScenario) {
    for (const [i, s] of (section.stacks ?? []).entries()) {
      if (!s.name || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(s.name)) {
        throw new Error(`cloudformation scenario: stacks[${i}] needs a valid name (letters, digits, hyphens)`);
      }
      const exports = new Map(Object.entries(s.exports ?? {}));
      for (const name of exports.keys()) {
        const other = [...this.stacks.values()].find((o) => o.name !== s.name && o.exports.has(name));
        // Export names are unique per account and region.
        if (other) throw new Error(`cloudformation scenario: export ${name} is already exported by ${other.name}`);
      }
      this.stacks.set(s.name, {
        name: s.name,
        id: `arn:aws:cloudformation:${this.region()}:${this.account()}:stack/${s.name}/${randomUUID()}`,
        resources: (s.resources ?? []).map((r) => ({ ...r, status: r.status ?? "CREATE_COMPLETE" })),
        exports,
        created: new Date(),
      });
    }
  }

  /** By name or by stack ID (ARN), as the API takes StackName. */
  find(nameOrId: string): Stack | undefined {
    return this.stacks.get(nameOrId) ?? [...this.stacks.values()].find((s) => s.id === nameOrId);
  }
}
