// A cell that begins with an object literal is read as one, as the Node.js REPL reads it:
// `{ a: 1, b: [2] }` shows the object, where JavaScript takes the braces for a block (a syntax error
// here, and `{ a: 1 }` a block holding a label).
import ts, { NODE_SYNTAX, parseErrorsOf } from "./typescript.js";
import { isStackOverflow } from "./too-deep.js";

/** On 1-based `line`, a column after `after` in the compiled text is one more than in the cell. */
export interface ColumnShift {
  line: number;
  after: number;
}

export interface ObjectLiteralCell {
  /** The cell's text with the literal in parentheses. */
  code: string;
  /** Only when a `(` had to go in before a token on the line of the `{`. */
  shift?: ColumnShift;
}

/**
 * The cell as an expression, or undefined when it is not one: a cell that begins with `{` and does
 * not end with `;`, whose parenthesized text parses as one expression (`{ a: 1 }`, `{ a: 1 }.a`), as
 * the REPL decides; a block (`{ let x = 1; }`) does not parse so and stays a block. The `(` takes
 * the place of a blank before or after the `{` where there is one, so that the user's code keeps its
 * lines and columns; the `)` goes on a line of its own, after any comment.
 */
export function objectLiteralCell(code: string): ObjectLiteralCell | undefined {
  const open = code.search(/\S/);
  if (open < 0 || code[open] !== "{" || code.trimEnd().endsWith(";")) return undefined;
  const blank = (c: string | undefined) => c === " " || c === "\t";
  let candidate: ObjectLiteralCell;
  if (blank(code[open - 1])) candidate = { code: `${code.slice(0, open - 1)}(${code.slice(open)}` };
  else if (blank(code[open + 1])) candidate = { code: `${code.slice(0, open)}({${code.slice(open + 2)}` };
  else {
    const line = code.slice(0, open).split("\n").length;
    const lineStart = code.lastIndexOf("\n", open - 1) + 1;
    const shifted = code[open + 1] !== "\n" && code[open + 1] !== "\r" && open + 1 < code.length;
    candidate = { code: `${code.slice(0, open)}(${code.slice(open)}`, ...(shifted ? { shift: { line, after: open - lineStart + 1 } } : {}) };
  }
  candidate.code += "\n)";
  let sf: ts.SourceFile;
  try {
    sf = ts.createSourceFile("cell.ts", candidate.code, NODE_SYNTAX, false, ts.ScriptKind.TS);
  } catch (e) {
    // Nested too deeply to parse: the cell's own compile says so.
    if (isStackOverflow(e)) return undefined;
    throw e;
  }
  const [only, ...more] = sf.statements;
  const isExpression = only !== undefined && more.length === 0 && ts.isExpressionStatement(only) && ts.isParenthesizedExpression(only.expression);
  if (!isExpression || parseErrorsOf(sf).length > 0) return undefined;
  const literal = objectLiteralAt(only.expression, candidate.code.indexOf("{", open - 1), sf);
  return literal && !literal.properties.some(onlyInBlock) ? candidate : undefined;
}

function objectLiteralAt(node: ts.Node, start: number, sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  if (ts.isObjectLiteralExpression(node) && node.getStart(sf) === start) return node;
  return ts.forEachChild(node, (child) => (child.pos <= start && start < child.end ? objectLiteralAt(child, start, sf) : undefined));
}

/**
 * Members TypeScript's parser takes in an object literal though the checker then rejects them, where
 * the braces make a valid block: `{ run() }` calls run, `{ a = 1 }` assigns.
 */
function onlyInBlock(member: ts.ObjectLiteralElementLike): boolean {
  if (ts.isMethodDeclaration(member) || ts.isAccessor(member)) return member.body === undefined;
  return ts.isShorthandPropertyAssignment(member) && member.objectAssignmentInitializer !== undefined;
}

/** A compiled-text column as the cell's. */
export function cellColumn(line: number, column: number, shift: ColumnShift | undefined): number {
  return shift && line === shift.line && column > shift.after ? column - 1 : column;
}
