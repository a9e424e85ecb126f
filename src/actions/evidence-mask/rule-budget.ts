import { createContext, Script } from "node:vm";
import { InputError } from "../../lib/errors";
import type { MaskRule } from "./engine";

/**
 * User-supplied regexes run on V8's backtracking engine, where `(a+)+$` on a
 * long run of `a` takes longer than the job's timeout. Each search of one
 * window of text runs under a time budget: V8 can interrupt a regex in
 * flight only from a watchdog, which `vm` offers as `timeout`. Past it, the
 * step fails naming the rule. (A linear-time engine, re2js, was the other
 * way; it refuses look-behind and back-references, which existing custom
 * rules use, and matches far slower than V8 on every ordinary input.)
 */
export const CUSTOM_RULE_BUDGET_MS = 2000;

const context = createContext({});
const search = new Script("find(text, from)");

export function withTimeBudget(rule: MaskRule, budgetMs = CUSTOM_RULE_BUDGET_MS): MaskRule {
  // No prefilter: every search goes through the watchdog.
  const { prefilter: _unwatched, ...searched } = rule;
  return {
    ...searched,
    find(text, from) {
      Object.assign(context, { find: rule.find, text, from });
      try {
        return search.runInContext(context, { timeout: budgetMs });
      } catch (error) {
        if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
          throw new InputError(
            "custom-rules",
            `rule '${rule.name}' took longer than ${budgetMs} ms to search ${text.length - from} characters: its regex backtracks without end on this evidence (nested quantifiers such as '(a+)+' or '(.*)*').`,
            "Rewrite the regex without nested or overlapping quantifiers (or remove the rule). No file was left half masked.",
          );
        }
        throw error;
      } finally {
        Object.assign(context, { find: undefined, text: undefined });
      }
    },
  };
}
