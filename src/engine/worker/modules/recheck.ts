// After an edit to a local TypeScript module, which of its top-level statements must be checked again.
// When the file's last version passed a full check among the same files, a statement whose text did
// not change keeps its verdict unless something it names changed, so a %reload after editing one
// function checks that function and what uses it, not the whole file. Each rule errs towards checking
// more: `undefined` (the whole file) whenever an edit could reach a statement other than through the
// names it mentions.
import ts from "../../../language/typescript.js";
import { identifiersOf } from "../../../language/declarations.js";
import { isAssignment, isIncrement } from "../../compile/resolve.js";

/** Declarations: what an edit of one changes for the rest of the file goes through names it declares or assigns. */
const FOLLOWED = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.EnumDeclaration,
  ts.SyntaxKind.VariableStatement,
]);

/**
 * The statements of `after` to check, given that `before` (the same file's last version) passed a full
 * check with the same options and the same other files; undefined when the whole file must be checked.
 */
export function statementsToRecheck(before: ts.SourceFile, after: ts.SourceFile): ts.Statement[] | undefined {
  if (!ts.isExternalModule(before) || !ts.isExternalModule(after) || before.statements.length !== after.statements.length) return undefined;
  // TypeScript reports a @ts-expect-error that no longer meets an error only when it checks a whole file.
  if (after.text.includes("@ts-expect-error")) return undefined;
  // Comments before the first statement hold the file's pragmas (@ts-nocheck, @jsx, references).
  if (headOf(before) !== headOf(after)) return undefined;
  /** Names whose type may have changed, or that are assigned differently (which changes narrowing elsewhere). */
  const affected = new Set<string>();
  const recheck = new Set<number>();
  for (const [i, next] of after.statements.entries()) {
    const last = before.statements[i];
    // With the comments before it: a @ts-ignore there changes what the statement reports.
    if (before.text.slice(last.pos, last.end) === after.text.slice(next.pos, next.end)) continue;
    const sameShape = last.kind === next.kind && modifiersOf(last) === modifiersOf(next) && declaredBy(last).join() === declaredBy(next).join();
    if (!sameShape || !isFollowed(last) || !isFollowed(next)) return undefined;
    recheck.add(i);
    for (const name of [...declaredBy(next), ...assignedIn(last), ...assignedIn(next)]) affected.add(name);
  }
  const mentions: (Set<string> | undefined)[] = [];
  for (let grew = recheck.size > 0; grew; ) {
    grew = false;
    for (const [i, statement] of after.statements.entries()) {
      if (recheck.has(i)) continue;
      const mentioned = (mentions[i] ??= mentionedIn(statement));
      if (![...affected].some((name) => mentioned.has(name))) continue;
      if (!isFollowed(statement)) return undefined;
      recheck.add(i);
      grew = true;
      for (const name of [...declaredBy(statement), ...assignedIn(statement)]) affected.add(name);
    }
  }
  return after.statements.filter((_, i) => recheck.has(i));
}

function headOf(sf: ts.SourceFile): string {
  return sf.text.slice(0, sf.statements[0].getStart(sf));
}

/**
 * A declaration whose effects stay in its names. A function written and called in place runs in the
 * file's own control flow (a throw in it makes the rest unreachable): a statement with one is not.
 */
function isFollowed(statement: ts.Statement): boolean {
  return FOLLOWED.has(statement.kind) && !callsInPlace(statement);
}

function callsInPlace(statement: ts.Statement): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && isInlineFunction(n.expression)) found = true;
    // A function's body has a control flow of its own.
    else if (!ts.isFunctionLike(n) && !ts.isClassStaticBlockDeclaration(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(statement, visit);
  return found;
}

/** A function expression, under any parentheses or type assertions. */
function isInlineFunction(n: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n)) return isInlineFunction(n.expression);
  return ts.isFunctionExpression(n) || ts.isArrowFunction(n);
}

function modifiersOf(statement: ts.Statement): string {
  return ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []).map((m) => m.kind).join() : "";
}

/** The top-level names a followed statement declares (`default` for an unnamed default export). */
function declaredBy(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => identifiersOf(d.name));
  const name = (statement as ts.DeclarationStatement).name;
  return name && ts.isIdentifier(name) ? [name.text] : FOLLOWED.has(statement.kind) ? ["default"] : [];
}

/** Every name written to anywhere in the statement, nested functions included. */
function assignedIn(statement: ts.Statement): string[] {
  const names: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind)) {
      names.push(...mentionedIn(n.left));
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n)) {
      names.push(...mentionedIn(n.operand));
    } else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) {
      names.push(...mentionedIn(n.initializer));
    }
    ts.forEachChild(n, visit);
  };
  visit(statement);
  return names;
}

/** Every identifier and string literal in a node: a superset of the names it can reach. */
function mentionedIn(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) || ts.isStringLiteralLike(n)) names.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/**
 * Whether a file of the program (the module itself included) imports `path`. Then the module's types
 * can come back to it through that file, past the names a statement mentions: the whole file is checked.
 */
export function importedWithin(program: ts.Program, path: string, host: ts.CompilerHost): boolean {
  const options = program.getCompilerOptions();
  return program.getSourceFiles().some(
    (file) =>
      !program.isSourceFileDefaultLibrary(file) &&
      !program.isSourceFileFromExternalLibrary(file) &&
      !file.fileName.includes("/node_modules/") &&
      ts.preProcessFile(file.text, true, true).importedFiles.some((i) => ts.resolveModuleName(i.fileName, file.fileName, options, host).resolvedModule?.resolvedFileName === path),
  );
}
