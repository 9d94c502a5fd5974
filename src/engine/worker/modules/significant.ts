// A source's fingerprint without its comments and layout: two versions with the same fingerprint
// run the same, so a comment or formatting change needs no reload. A line break counts only where
// automatic semicolon insertion makes it meaningful (`return` then a new line, `x` then `++`).
// Tokens are read as the parser reads them: a `}` may continue a template, a `/` may start a regex.
import ts from "../../../language/typescript.js";
import { createHash } from "node:crypto";

const K = ts.SyntaxKind;

/** Tokens after which, or at which, a line break ends the statement. */
const RESTRICTED_BEFORE = new Set([K.ReturnKeyword, K.ThrowKeyword, K.BreakKeyword, K.ContinueKeyword, K.YieldKeyword]);
const RESTRICTED_AT = new Set([K.PlusPlusToken, K.MinusMinusToken, K.EqualsGreaterThanToken]);

/** Tokens that end an expression: a `/` after them divides. */
const ENDS_EXPRESSION = new Set([
  K.Identifier,
  K.PrivateIdentifier,
  K.NumericLiteral,
  K.BigIntLiteral,
  K.StringLiteral,
  K.NoSubstitutionTemplateLiteral,
  K.TemplateTail,
  K.RegularExpressionLiteral,
  K.CloseBracketToken,
  K.ThisKeyword,
  K.SuperKeyword,
  K.NullKeyword,
  K.TrueKeyword,
  K.FalseKeyword,
]);
/** Tokens that may end an expression or not (a block's `}` or an object's, `>` closing type arguments or comparing): only the parser can tell. */
const AMBIGUOUS = new Set([K.CloseBraceToken, K.GreaterThanToken]);
/** Statements whose parenthesized head a statement follows: after that `)`, a `/` starts a regex. */
const CONTROL_HEADS = new Set([K.IfKeyword, K.WhileKeyword, K.ForKeyword, K.WithKeyword]);

/** What the parser found where a plain scan cannot tell: regexes, and in JSX its texts and attribute strings. */
interface ParsedPositions {
  regexAt: Set<number>;
  jsxAttributeAt: Set<number>;
  /** JSX texts, by where they start: right after the `>` or `}` before them. */
  jsxTextAt: Set<number>;
}

export function codeFingerprint(text: string, jsx: boolean): string {
  // Tokens are joined and hashed once: one update per token costs more than the scan.
  const parts = (jsx ? undefined : significantTokens(text, jsx)) ?? significantTokens(text, jsx, parsedPositions(text, jsx));
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}

/** The tokens that count; without `parsed`, undefined at a `/` only the parser can read. */
function significantTokens(text: string, jsx: boolean, parsed: ParsedPositions): string[];
function significantTokens(text: string, jsx: boolean): string[] | undefined;
function significantTokens(text: string, jsx: boolean, parsed?: ParsedPositions): string[] | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text);
  const parts: string[] = [];
  // For each open `{`, whether it is a template's `${`; for each open `(`, whether it is a statement's head.
  const braces: boolean[] = [];
  const parens: (boolean | undefined)[] = [];
  let previous: ts.SyntaxKind = K.Unknown;
  let previousEnd = 0;
  let previousEndsExpression: boolean | undefined = false;
  for (;;) {
    let token = parsed?.jsxTextAt.has(scanner.getTokenEnd()) ? scanner.scanJsxToken() : scanner.scan();
    if (token === K.EndOfFileToken) return parts;
    if (token === K.CloseBraceToken && braces.pop()) token = scanner.reScanTemplateToken(false);
    else if (token === K.SlashToken || token === K.SlashEqualsToken) {
      if (!parsed && previousEndsExpression === undefined) return undefined;
      if (parsed ? parsed.regexAt.has(scanner.getTokenStart()) : !previousEndsExpression) token = scanner.reScanSlashToken();
    } else if (token === K.StringLiteral && parsed?.jsxAttributeAt.has(scanner.getTokenStart())) token = scanner.reScanJsxAttributeValue();
    if (token === K.OpenBraceToken || token === K.TemplateHead || token === K.TemplateMiddle) braces.push(token !== K.OpenBraceToken);
    if (token === K.OpenParenToken) parens.push(previous === K.AwaitKeyword ? undefined : CONTROL_HEADS.has(previous));
    const closedHead = token === K.CloseParenToken ? parens.pop() : false;
    previousEndsExpression = endsExpression(token, previousEndsExpression, closedHead, scanner.hasPrecedingLineBreak());
    if (token === K.JsxText) parts.push(renderedJsxText(scanner.getTokenText()));
    else if (previous === K.GreaterThanToken && scanner.getTokenStart() === previousEnd && /^[>=]/.test(scanner.getTokenText())) {
      // The parser joins `>` and a `>` or `=` right after it (`>>`, `>=`), which a plain scan never
      // does: `> =` is not `>=`.
      parts.push(parts.pop()! + scanner.getTokenText());
    } else if (token !== K.JsxTextAllWhiteSpaces) {
      if (scanner.hasPrecedingLineBreak() && (RESTRICTED_BEFORE.has(previous) || RESTRICTED_AT.has(token))) parts.push("\n");
      parts.push(scanner.getTokenText());
    }
    previous = token;
    previousEnd = scanner.getTokenEnd();
  }
}

/**
 * Whether `token` ends an expression, so that a `/` after it divides rather than starts a regex;
 * undefined where that takes the parser. `closedHead`: the token is a `)` that closed an `if`,
 * `while`, `for` or `with` head (undefined after `await (`: `for await (` is one).
 */
function endsExpression(token: ts.SyntaxKind, previousEnds: boolean | undefined, closedHead: boolean | undefined, lineBreakBefore: boolean): boolean | undefined {
  if (ENDS_EXPRESSION.has(token)) return true;
  switch (token) {
    case K.CloseParenToken:
      return closedHead === undefined ? undefined : !closedHead;
    // Postfix after an expression on the same line (`x!`, `x++`), prefix otherwise (`!/re/`).
    case K.ExclamationToken:
    case K.PlusPlusToken:
    case K.MinusMinusToken:
      return lineBreakBefore ? false : previousEnds;
  }
  // Contextual keywords (`await`, `of`, `yield`…) are names in some places and operators in others.
  if (AMBIGUOUS.has(token) || (token >= K.FirstFutureReservedWord && token <= K.LastKeyword)) return undefined;
  return false;
}

function parsedPositions(text: string, jsx: boolean): ParsedPositions {
  const file = ts.createSourceFile(jsx ? "m.tsx" : "m.ts", text, ts.ScriptTarget.Latest, false, jsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: ParsedPositions = { regexAt: new Set(), jsxAttributeAt: new Set(), jsxTextAt: new Set() };
  const visit = (node: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(node)) found.regexAt.add(node.getStart(file));
    else if (ts.isJsxText(node)) found.jsxTextAt.add(node.pos);
    else if (ts.isJsxAttribute(node) && node.initializer && ts.isStringLiteral(node.initializer)) found.jsxAttributeAt.add(node.initializer.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** JSX text as it renders: spaces and tabs around its line breaks, and blank lines, do not count. */
function renderedJsxText(text: string): string {
  const lines = text.split(/\r\n?|\n/);
  return lines
    .map((line, i) => (i > 0 ? line.replace(/^[ \t]+/, "") : line))
    .map((line, i) => (i < lines.length - 1 ? line.replace(/[ \t]+$/, "") : line))
    .filter((line) => line !== "")
    .join(" ");
}
