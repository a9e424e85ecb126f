/**
 * The evidence-mask rule engine: rules (./rules.ts), the multi-literal
 * matcher (./matcher.ts) and the streaming masker (./masker.ts).
 *
 *   const masker = compile(rules);
 *   await masker.mask(readable, writable);   // masked bytes out, counts back
 *   await masker.scan(readable);             // counts only (verification)
 */
export {
  compile,
  DEFAULT_CHUNK_BYTES,
  LARGE_CHUNK_BYTES,
  type Masker,
  MaskSession,
  overlapFor,
  type ScanResult,
  type StreamOptions,
} from "./masker";
export {
  compileLiterals,
  countNewlines,
  type Hits,
  type Literal,
  type Matcher,
  newHits,
  newScanState,
  type ScanState,
} from "./matcher";
export {
  applyMatches,
  BUILT_IN_RULES,
  type BuiltInRuleName,
  builtInRules,
  expandTemplate,
  findMatches,
  listedAccountIdsRule,
  literalRule,
  type MaskMatch,
  type MaskRule,
  maskAll,
  maskText,
  type Prefilter,
  regexRule,
  startsToken,
  type WindowView,
} from "./rules";
