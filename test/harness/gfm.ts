/**
 * Renders Markdown the way GitHub does for comments and job summaries, for
 * assertions on what a reader would see: GFM (tables, strikethrough,
 * autolinks) with raw HTML kept, as micromark's GFM extension implements the
 * spec (https://github.github.com/gfm/). GitHub then turns @mentions, #123
 * references and commit SHAs in text into links, everywhere except inside
 * code and existing links; `linkableText` finds what that pass would link.
 */
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";

export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, "&");

/** The text GitHub's reference pass reads: outside <code>, <pre> and <a>, tags removed. */
export function textOutsideCode(html: string): string {
  return decode(html.replace(/<(code|pre|a)\b[^>]*>[\s\S]*?<\/\1>/g, " ").replace(/<[^>]+>/g, " "));
}

/** All text a reader sees, tags removed. */
export function visibleText(html: string): string {
  return decode(html.replace(/<\/?code>/g, "").replace(/<[^>]+>/g, " "));
}

/** Mentions, issue references, commit SHAs and URLs GitHub would link in the rendered HTML. */
export function linkableText(html: string): string[] {
  const text = textOutsideCode(html);
  const patterns = [
    /(?:^|[^\w`])(@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[\w.-]+)?)/g,
    /(?:^|[^\w&])((?:[\w.-]+\/[\w.-]+)?#\d+)\b/g,
    /\b(gh-\d+)\b/gi,
    /\b([0-9a-f]{7,40})\b/g,
    /\b((?:https?:\/\/|www\.)\S+)/g,
    /\b([\w.+-]+@[\w-]+\.[\w.-]+)/g,
  ];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1] as string));
}

/** The cells of each body row of every table in the rendered HTML. */
export function tableRows(html: string): string[][] {
  return [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].flatMap((t) =>
    [...(t[1] as string).matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...(r[1] as string).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1] as string),
    ),
  );
}
