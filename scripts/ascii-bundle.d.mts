// Types of scripts/ascii-bundle.mjs (plain JavaScript: scripts/build.mjs runs it without tsx).
export declare function asciiSource(source: string, fileName?: string): { source: string; kept: number };
