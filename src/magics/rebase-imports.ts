// `%run -i FILE` runs FILE's text as a cell, and a cell's relative imports resolve from the notebook's
// directory. So that FILE's own `./x` still means the file beside it, its relative specifiers are
// rewritten relative to the notebook (which also keeps `%reload` able to rebind the names it imports).
import ts from "../language/typescript.js";
import { join, relative, sep } from "node:path";

function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
}

/** The module specifier literals in static imports, re-exports, `import x = require()`, `import()` and `require()`. */
function specifierLiterals(sf: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteralLike(node.expression)) {
      found.push(node.expression);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) found.push(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `code` from a file in `fileDir`, with its relative module specifiers made relative to `baseDir` instead. */
export function rebaseImports(code: string, fileDir: string, baseDir: string): string {
  if (relative(baseDir, fileDir) === "") return code;
  const sf = ts.createSourceFile("run.tsx", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  let out = code;
  // From the end, so earlier positions stay valid.
  for (const literal of specifierLiterals(sf).reverse()) {
    if (!isRelative(literal.text)) continue;
    const rebased = relative(baseDir, join(fileDir, literal.text)).split(sep).join("/");
    const specifier = rebased.startsWith("../") || rebased === ".." ? rebased : `./${rebased}`;
    out = out.slice(0, literal.getStart(sf) + 1) + specifier + out.slice(literal.end - 1);
  }
  return out;
}
