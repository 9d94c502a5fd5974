// is_complete for a terminal (`jupyter console`): whether Enter should run the code or continue it, and
// how far to indent the next line. A pure function of the text, from TypeScript's scanner and parser.
import ts, { parseErrorsOf } from "./typescript.js";
import type { IsCompleteResult } from "../engine/engine.js";
import { blankOut } from "./blank-out.js";

const INDENT = "    ";
const NAME_PATH = "[A-Za-z_$][\\w$]*(?:\\s*\\.\\s*[A-Za-z_$][\\w$]*)*";
/** `name?`, `name??`, `?name`: inspection, which the kernel answers without running anything. */
const INSPECTION = new RegExp(`^\\s*(?:\\?\\??\\s*${NAME_PATH}|${NAME_PATH}\\s*\\?\\??)\\s*$`);
const LINE_MAGIC = /^\s*%[A-Za-z_][\w-]*(?:[ \t].*)?$/;

type Bracket = { close: ts.SyntaxKind; line: number };

const OPENERS = new Map<ts.SyntaxKind, ts.SyntaxKind>([
  [ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.CloseParenToken],
  [ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.CloseBracketToken],
  [ts.SyntaxKind.OpenBraceToken, ts.SyntaxKind.CloseBraceToken],
  // `${` in a template literal: its `}` continues the template.
  [ts.SyntaxKind.TemplateHead, ts.SyntaxKind.TemplateMiddle],
]);
/** Closing tokens, and the `close` of the bracket each must match (a template's `}` rescans as its tail). */
const CLOSERS = new Map<ts.SyntaxKind, ts.SyntaxKind>([
  [ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseParenToken],
  [ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBracketToken],
  [ts.SyntaxKind.CloseBraceToken, ts.SyntaxKind.CloseBraceToken],
  [ts.SyntaxKind.TemplateTail, ts.SyntaxKind.TemplateMiddle],
]);
/** The text that closes each kind of open bracket. */
const CLOSE_TEXT = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.CloseParenToken, ")"],
  [ts.SyntaxKind.CloseBracketToken, "]"],
  [ts.SyntaxKind.CloseBraceToken, "}"],
  [ts.SyntaxKind.TemplateMiddle, "}`"],
]);

/** Tokens after which the code must go on. The parser catches most, but accepts a dangling `,` (`let a = 1,`). */
const CONTINUING = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.CommaToken,
  ts.SyntaxKind.EqualsGreaterThanToken,
  ts.SyntaxKind.DotToken,
  ts.SyntaxKind.QuestionDotToken,
  ts.SyntaxKind.QuestionToken,
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.AsteriskAsteriskToken,
  ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.PercentToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.AmpersandToken,
  ts.SyntaxKind.BarToken,
  ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
]);

/** Tokens that end an operand: a `/` after one divides; anywhere else it starts a regular expression. */
const OPERAND_END = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.PlusPlusToken,
  ts.SyntaxKind.MinusMinusToken,
]);
const REGEX_AFTER_KEYWORD = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.ReturnKeyword,
  ts.SyntaxKind.TypeOfKeyword,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.NewKeyword,
  ts.SyntaxKind.DeleteKeyword,
  ts.SyntaxKind.VoidKeyword,
  ts.SyntaxKind.ThrowKeyword,
  ts.SyntaxKind.CaseKeyword,
  ts.SyntaxKind.DoKeyword,
  ts.SyntaxKind.ElseKeyword,
  ts.SyntaxKind.YieldKeyword,
  ts.SyntaxKind.AwaitKeyword,
]);

function startsRegex(previous: ts.SyntaxKind | undefined): boolean {
  if (previous === undefined) return true;
  if (OPERAND_END.has(previous)) return false;
  if (REGEX_AFTER_KEYWORD.has(previous)) return true;
  return previous >= ts.SyntaxKind.FirstPunctuation && previous <= ts.SyntaxKind.LastPunctuation;
}

function isTrivia(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstTriviaToken && kind <= ts.SyntaxKind.LastTriviaToken;
}

/** What the scanner saw: the brackets still open, and a string, template or comment left open at the end. */
interface Scan {
  invalid: boolean;
  open: Bracket[];
  /** Text that closes a string, template or comment still open at the end of the code. */
  unfinished?: { closer: string; inText: boolean };
  last?: ts.SyntaxKind;
  /** The last line closes a bracket opened on an earlier line (`  }),`). */
  dedents: boolean;
}

function endsWithEscape(code: string): boolean {
  return (/\\+$/.exec(code)?.[0].length ?? 0) % 2 === 1;
}

function scan(code: string, lineOf: (pos: number) => number, lastLine: number): Scan {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  const open: Bracket[] = [];
  const invalid: Scan = { invalid: true, open, dedents: false };
  let last: ts.SyntaxKind | undefined;
  let dedents = false;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.CloseBraceToken && open.at(-1)?.close === ts.SyntaxKind.TemplateMiddle) {
      token = scanner.reScanTemplateToken(false);
    } else if ((token === ts.SyntaxKind.SlashToken || token === ts.SyntaxKind.SlashEqualsToken) && startsRegex(last)) {
      token = scanner.reScanSlashToken();
    }
    if (scanner.isUnterminated()) {
      // With anything after it, an unterminated token cannot be finished by typing more.
      if (scanner.getTokenEnd() < code.trimEnd().length) return invalid;
      const unfinished = unfinishedToken(token, scanner.getTokenText(), code);
      // The rest of a template after `${...}`: its closer ends the template, which is no longer open.
      if (token === ts.SyntaxKind.TemplateMiddle || token === ts.SyntaxKind.TemplateTail) open.pop();
      return unfinished ? { invalid: false, open, unfinished, last: token, dedents } : invalid;
    }
    if (isTrivia(token)) continue;
    last = token;
    const line = lineOf(scanner.getTokenStart());
    const close = OPENERS.get(token);
    const closes = CLOSERS.get(token);
    if (close !== undefined) {
      open.push({ close, line });
    } else if (closes !== undefined) {
      const opened = open.pop();
      if (opened?.close !== closes) return invalid;
      if (line === lastLine && opened.line < line) dedents = true;
    }
  }
  return { invalid: false, open, last, dedents };
}

/**
 * How to close a token left open at the end: templates and block comments may span lines, a quoted
 * string only through a line continuation (a trailing backslash); a regular expression never.
 * An escape at the very end would swallow the closer, so a newline (a line continuation) goes first.
 */
function unfinishedToken(token: ts.SyntaxKind, text: string, code: string): Scan["unfinished"] {
  const continued = endsWithEscape(code) ? "\n" : "";
  switch (token) {
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
    case ts.SyntaxKind.TemplateHead:
    case ts.SyntaxKind.TemplateMiddle:
    case ts.SyntaxKind.TemplateTail:
      return { closer: `${continued}\``, inText: true };
    case ts.SyntaxKind.MultiLineCommentTrivia:
      return { closer: "*/", inText: false };
    case ts.SyntaxKind.StringLiteral:
      return continued || /\\\r?\n$/.test(code) ? { closer: `${continued}${text[0]}`, inText: true } : undefined;
    default:
      return undefined;
  }
}

/** Where the parser found syntax errors, without building a program: it keeps them on the file it returns. */
function syntaxErrorPositions(text: string): number[] {
  const file = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return parseErrorsOf(file).map((d) => d.start ?? 0);
}

function leadingSpace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * The indent for the next line: 4 spaces per bracket left open on the line that opened the innermost
 * one, from that line's indent. A line inside brackets that opens none keeps its own indent.
 */
function nextIndent(lines: string[], s: Scan): string {
  if (s.unfinished?.inText) return ""; // Spaces typed next would become part of the string.
  const lastLine = lines.length - 1;
  let indent = leadingSpace(lines[lastLine]);
  const innermost = s.open.at(-1);
  if (innermost && (innermost.line === lastLine || s.dedents)) {
    const openedThere = s.open.filter((b) => b.line === innermost.line).length;
    indent = leadingSpace(lines[innermost.line]) + INDENT.repeat(openedThere);
  }
  if (s.last === ts.SyntaxKind.EqualsGreaterThanToken) indent += INDENT;
  return indent;
}

export function isComplete(code: string): IsCompleteResult {
  const lines = code.split(/\r?\n/);
  if (code.trim() === "") return { status: "complete" };
  if (code.trimStart().startsWith("%%")) {
    // A cell magic takes the lines after it, until an empty line ends the cell, as in IPython.
    return lines.length > 1 && lines.at(-1)!.trim() === "" ? { status: "complete" } : { status: "incomplete", indent: "" };
  }
  if (lines.length === 1 && (LINE_MAGIC.test(code) || INSPECTION.test(code))) return { status: "complete" };
  return codeIsComplete(withoutLineMagics(code), lines);
}

/** Line magics among code run between its statements (see magics/mixed-cell.ts): as code, they are blanks. */
function withoutLineMagics(code: string): string {
  return code
    .split(/(?<=\n)/)
    .map((line) => (LINE_MAGIC.test(line.replace(/\r?\n$/, "")) ? blankOut(line) : line))
    .join("");
}

function codeIsComplete(code: string, lines: string[]): IsCompleteResult {
  const lineStarts = [0];
  for (let i = code.indexOf("\n"); i !== -1; i = code.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (pos: number) => lineStarts.findLastIndex((start) => start <= pos);
  const s = scan(code, lineOf, lines.length - 1);
  if (s.invalid) return { status: "invalid" };

  // Close whatever is open and parse: an error inside the code is one that more lines cannot fix.
  const closers = (s.unfinished?.closer ?? "") + s.open.map((b) => CLOSE_TEXT.get(b.close)).reverse().join("");
  const errors = syntaxErrorPositions(code + closers);
  if (errors.some((at) => at < code.trimEnd().length)) return { status: "invalid" };
  const needsMore = closers !== "" || errors.length > 0 || (s.last !== undefined && CONTINUING.has(s.last));
  return needsMore ? { status: "incomplete", indent: nextIndent(lines, s) } : { status: "complete" };
}
