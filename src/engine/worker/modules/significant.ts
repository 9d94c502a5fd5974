// A source's fingerprint without its comments and layout: two versions with the same fingerprint
// run the same, so a comment or formatting change needs no reload. A line break counts only where
// automatic semicolon insertion makes it meaningful (`return` then a new line, `x` then `++`).
import ts from "../../../language/typescript.js";
import { createHash } from "node:crypto";

/** Tokens after which, or at which, a line break ends the statement. */
const RESTRICTED_BEFORE = new Set([
  ts.SyntaxKind.ReturnKeyword,
  ts.SyntaxKind.ThrowKeyword,
  ts.SyntaxKind.BreakKeyword,
  ts.SyntaxKind.ContinueKeyword,
  ts.SyntaxKind.YieldKeyword,
]);
const RESTRICTED_AT = new Set([ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken, ts.SyntaxKind.EqualsGreaterThanToken]);

export function codeFingerprint(text: string, jsx: boolean): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text);
  // Tokens are joined and hashed once: one update per token costs more than the scan.
  const parts: string[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (scanner.hasPrecedingLineBreak() && (RESTRICTED_BEFORE.has(previous) || RESTRICTED_AT.has(token))) parts.push("\n");
    parts.push(scanner.getTokenText());
    previous = token;
  }
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}
