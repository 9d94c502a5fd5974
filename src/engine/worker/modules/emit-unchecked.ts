// Whether a local TypeScript module emitted without a check gives the code its checked emit gives.
// After a partial check (./recheck.ts) the checked program's emit would check the whole file first, so
// the module is emitted from a program that checks nothing and keeps or drops each import by how the
// file uses it (isolatedModules). That is only right where no emit decision needs another file's types.
import ts from "../../../language/typescript.js";

/** Statements whose emit depends on what other files declare (re-exports of types) or on types at all. */
const EMIT_NEEDS_TYPES = new Set([ts.SyntaxKind.ExportDeclaration, ts.SyntaxKind.ExportAssignment, ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.ModuleDeclaration]);

export function emitsAlikeUnchecked(program: ts.Program, sf: ts.SourceFile): boolean {
  const options = program.getCompilerOptions();
  if (sf.fileName.endsWith(".tsx") || options.emitDecoratorMetadata || sf.statements.some((s) => EMIT_NEEDS_TYPES.has(s.kind))) return false;
  // The checked emit writes a const enum's values in place; the unchecked one reads the enum object.
  if (/\bconst\s+enum\b/.test(sf.text)) return false;
  const checker = program.getTypeChecker();
  return !sf.statements.some((s) => ts.isImportDeclaration(s) && importedNames(s).some((name) => holdsConstEnum(checker, checker.getSymbolAtLocation(name))));
}

function importedNames(s: ts.ImportDeclaration): ts.Identifier[] {
  const clause = s.importClause;
  if (!clause || clause.isTypeOnly) return [];
  const bindings = clause.namedBindings;
  const named = !bindings ? [] : ts.isNamespaceImport(bindings) ? [bindings.name] : bindings.elements.filter((e) => !e.isTypeOnly).map((e) => e.name);
  return clause.name ? [clause.name, ...named] : named;
}

/** A const enum, or a module or namespace with one among its exports, however deep. */
function holdsConstEnum(checker: ts.TypeChecker, symbol: ts.Symbol | undefined, seen = new Set<ts.Symbol>()): boolean {
  if (!symbol) return false;
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  if (target.flags & ts.SymbolFlags.ConstEnum) return true;
  if (!(target.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) || seen.has(target)) return false;
  seen.add(target);
  return checker.getExportsOfModule(target).some((e) => holdsConstEnum(checker, e, seen));
}
