// Where a package's file failed to parse. Node puts the place (path:line, the line, a caret) at the
// head of the stack of a CommonJS file's SyntaxError, not of an ES module's: for one, TypeScript's
// parser finds it, so the traceback names the broken file either way (see ../traceback.ts).
import { readFileSync } from "node:fs";
import ts, { NODE_SYNTAX, parseErrorsOf } from "../../../language/typescript.js";
import { PARSE_PLACE } from "../traceback.js";

/** `error`, when a SyntaxError from loading the ES module at `path`, with the place at the head of its stack as Node gives a CommonJS file's. */
export function withParsePlace(error: unknown, path: string): unknown {
  if (!(error instanceof SyntaxError) || PARSE_PLACE.test(error.stack ?? "")) return error;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return error;
  }
  const typescript = /\.[mc]?tsx?$/.test(path);
  const sf = ts.createSourceFile(path, text, NODE_SYNTAX, true, typescript ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  // TypeScript parses its own syntax: in a TypeScript file, Node stops at the first of it.
  const start = typescript ? firstTypeScriptSyntax(sf) : parseErrorsOf(sf)[0]?.start;
  // The error is in a file the entry imports: Node's message stands alone.
  if (start === undefined) return error;
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  error.stack = `${path}:${line + 1}\n${text.split(/\r?\n/)[line] ?? ""}\n${" ".repeat(character)}^\n\n${error.stack ?? ""}`;
  return error;
}

/** Where a TypeScript file first uses syntax JavaScript does not have: a type, or a declaration of one. */
function firstTypeScriptSyntax(sf: ts.SourceFile): number | undefined {
  const find = (n: ts.Node): number | undefined => {
    const typeOnly = ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isEnumDeclaration(n) || ts.isModuleDeclaration(n);
    return typeOnly ? n.getStart(sf) : ts.forEachChild(n, find);
  };
  return find(sf);
}
