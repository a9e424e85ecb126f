// Types of scripts/dist-inputs.mjs (plain JavaScript: scripts/build.mjs runs it without tsx).
export declare const RECORD: string;
export declare function distInputsHash(root: string): string;
export declare function recordDistInputs(root: string): void;
export declare function staleDistMessage(root: string): string | undefined;
