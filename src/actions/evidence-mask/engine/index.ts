/**
 * The evidence-mask rule engine: rules (./rules.ts), the multi-literal
 * matcher (./matcher.ts) and the streaming masker (./masker.ts). Its API:
 *
 *   const masker = compile(rules);             // once per set of rules
 *   await masker.mask(readable, writable);     // masked bytes out, counts back
 *   await masker.scan(readable);               // counts only (a verification)
 *
 * A caller that reads by itself (stream.ts: a file read ahead into two
 * buffers of its own, sized from the file) drives a session instead:
 *
 *   const session = masker.session(sink, opts);  // sink: masked pieces, in order
 *   await session.push(bytes); …                 // as many times as needed
 *   const result = await session.end();
 *
 * Text in memory (an error message, a report line): maskText(text, rules).
 * What lies behind (the matcher's hit arrays, window views, prefilters) is
 * internal: its tests import it from the module that defines it.
 */
export { compile, type Masker, type MaskSession, type ScanResult, type StreamOptions } from "./masker";
export { countNewlines } from "./matcher";
export {
  BUILT_IN_RULES,
  type BuiltInRuleName,
  builtInRules,
  findMatches,
  literalRule,
  type MaskMatch,
  type MaskRule,
  maskAll,
  maskText,
  regexRule,
} from "./rules";
