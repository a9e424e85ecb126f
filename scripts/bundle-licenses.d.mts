// Types of scripts/bundle-licenses.mjs (plain JavaScript: scripts/build.mjs runs it without tsx).
export declare function installedPackages(root: string): Set<string>;
export declare function mergeLicenses(texts: readonly string[], packages: ReadonlySet<string>): string;
