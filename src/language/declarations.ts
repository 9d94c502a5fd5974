// The names a cell declares at its top level, as a user wrote them: the TypeScript kind of each (what
// `%who` and `%scope` show) and how later cells' type checks see it.
import ts, { NODE_SYNTAX } from "./typescript.js";

export type UserKind =
  | "let"
  | "const"
  | "var"
  | "function"
  | "class"
  | "enum"
  | "namespace"
  | "import"
  | "type"
  | "interface"
  | "declare";

export const USER_KINDS: readonly UserKind[] = ["let", "const", "var", "function", "class", "enum", "namespace", "import", "type", "interface", "declare"];

/**
 * How a later cell's check sees a name: variables as module-scoped `declare let` / `declare const`
 * (assignable, or a constant, as declared), everything else through an import of the declaring cell's
 * declaration file.
 */
export type CheckBinding = "let" | "const" | "import";

export interface Declared {
  kind: UserKind;
  as: CheckBinding;
  /** A type, interface or `declare`: the name has no run-time value. */
  typeOnly: boolean;
  /** For an import binding: the module specifier it came from. */
  module?: string;
  /** For an import binding: the export it names (`default`, `*` for a namespace, `=` for `import x = require()`). */
  imported?: string;
  /** A variable that is a type too: the cell declares a type or interface of the same name. */
  alsoType?: true;
}

function isAmbient(s: ts.Statement): boolean {
  return ts.getModifiers(s as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) ?? false;
}

/** `declare global { ... }`: it declares globals for every later cell, not a session name. */
export function isGlobalAugmentation(s: ts.Statement): boolean {
  return ts.isModuleDeclaration(s) && (s.flags & ts.NodeFlags.GlobalAugmentation) !== 0;
}

/** Kinds of value a later interface or namespace of the same name merges into. */
const MERGES_INTO = new Set<UserKind>(["class", "function", "enum"]);

const isTypeKind = (kind: UserKind) => kind === "type" || kind === "interface";

/**
 * A variable and a type of one name in one cell (a factory and its interface, an `as const` object and
 * the union of its values), in either order: the name is the variable, and later cells keep the type
 * too, declared beside it.
 */
function valueWithType(first: Declared, second: Declared): Declared | undefined {
  const [type, value] = isTypeKind(first.kind) ? [first, second] : [second, first];
  if (!isTypeKind(type.kind) || isTypeKind(value.kind) || value.as === "import") return undefined;
  return { ...value, alsoType: true };
}

/** Top-level declarations of a parsed cell, by name (the last declaration of a name wins). */
export function declaredNames(sf: ts.SourceFile): Map<string, Declared> {
  const names = new Map<string, Declared>();
  const add = (name: string, kind: UserKind, as: CheckBinding, typeOnly = false, module?: string, imported?: string) => {
    const merged = names.get(name);
    // A class with an interface, a function or enum with a namespace: one merged name whose value is the
    // class, function or enum; imported whole, so later cells keep every meaning.
    if (merged && MERGES_INTO.has(merged.kind) && (kind === "interface" || kind === "namespace")) {
      names.set(name, { kind: merged.kind, as: "import", typeOnly: false });
      return;
    }
    const declared: Declared = module === undefined ? { kind, as, typeOnly } : { kind, as, typeOnly, module, ...(imported === undefined ? {} : { imported }) };
    names.set(name, (merged && valueWithType(merged, declared)) ?? declared);
  };
  const addBinding = (n: ts.BindingName, kind: UserKind, as: CheckBinding, typeOnly: boolean) => {
    for (const name of identifiersOf(n)) add(name, kind, as, typeOnly);
  };
  // `var` anywhere outside functions is hoisted to the top level; `let` and `const` in blocks are not,
  // nor is anything inside a namespace or a `declare global` / `declare module` block.
  const hoistedVars = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isModuleDeclaration(node)) return;
    if (ts.isVariableDeclarationList(node) && !(node.flags & ts.NodeFlags.BlockScoped)) {
      for (const d of node.declarations) addBinding(d.name, "var", "let", false);
    }
    ts.forEachChild(node, hoistedVars);
  };
  for (const s of sf.statements) {
    const ambient = isAmbient(s);
    if (ts.isVariableStatement(s)) {
      const flags = s.declarationList.flags;
      // `using` and `await using` bindings are constants.
      const constant = (flags & (ts.NodeFlags.Const | ts.NodeFlags.Using)) !== 0;
      const as = constant ? "const" : "let";
      const kind: UserKind = ambient ? "declare" : constant ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
      for (const d of s.declarationList.declarations) addBinding(d.name, kind, as, ambient);
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      add(s.name.text, ambient ? "declare" : "function", "let", ambient);
    } else if (ts.isClassDeclaration(s) && s.name) {
      add(s.name.text, ambient ? "declare" : "class", "import", ambient);
    } else if (ts.isEnumDeclaration(s)) {
      add(s.name.text, ambient ? "declare" : "enum", "import", ambient);
    } else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name) && !isGlobalAugmentation(s)) {
      add(s.name.text, ambient ? "declare" : "namespace", "import", ambient);
    } else if (ts.isInterfaceDeclaration(s)) {
      add(s.name.text, "interface", "import", true);
    } else if (ts.isTypeAliasDeclaration(s)) {
      add(s.name.text, "type", "import", true);
    } else if (ts.isImportDeclaration(s) && s.importClause && ts.isStringLiteral(s.moduleSpecifier)) {
      const c = s.importClause;
      const module = s.moduleSpecifier.text;
      if (c.name) add(c.name.text, "import", "import", c.isTypeOnly, module, "default");
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) add(b.name.text, "import", "import", c.isTypeOnly, module, "*");
      if (b && ts.isNamedImports(b)) for (const e of b.elements) add(e.name.text, "import", "import", c.isTypeOnly || e.isTypeOnly, module, (e.propertyName ?? e.name).text);
    } else if (ts.isImportEqualsDeclaration(s)) {
      const ref = s.moduleReference;
      const module = ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression) ? ref.expression.text : undefined;
      add(s.name.text, "import", "import", s.isTypeOnly, module, "=");
    }
    // The statement itself, so that a top-level function's or class's own body is not searched.
    hoistedVars(s);
  }
  // A generic type cannot be restated beside the variable without its parameters: a constant is imported
  // whole instead; an assignable variable keeps only its value.
  for (const s of sf.statements) {
    if ((ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.typeParameters) {
      const d = names.get(s.name.text);
      if (d?.alsoType) names.set(s.name.text, { kind: d.kind, as: d.as === "const" ? "import" : d.as, typeOnly: d.typeOnly });
    }
  }
  return names;
}

/** Names a cell or file exports itself by name (`export const a`, `export { b }`): exporting them again would be an error. */
export function exportedNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const s of sf.statements) {
    if (ts.isExportDeclaration(s)) {
      if (!s.moduleSpecifier && s.exportClause && ts.isNamedExports(s.exportClause)) for (const e of s.exportClause.elements) names.add(e.name.text);
      continue;
    }
    const modifiers = ts.canHaveModifiers(s) ? (ts.getModifiers(s) ?? []) : [];
    // `export default function f` exports `default`: `f` is still exported by name for later cells.
    if (!modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) || modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) continue;
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) for (const id of identifiersOf(d.name)) names.add(id);
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isModuleDeclaration(s)) && s.name && ts.isIdentifier(s.name)) names.add(s.name.text);
  }
  return names;
}

/** The names a binding (`a`, `{ a, b: [c] }`) declares. */
export function identifiersOf(name: ts.BindingName): string[] {
  return ts.isIdentifier(name) ? [name.text] : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : identifiersOf(e.name)));
}

/** Parses a cell's source for its declarations alone (used when cells are not type-checked). */
export function declaredInSource(code: string): Map<string, Declared> {
  return declaredNames(ts.createSourceFile("cell.ts", code, NODE_SYNTAX, false, ts.ScriptKind.TS));
}

/** The source of the top-level statement in `code` that declares `name`, with its JSDoc; the last one wins. */
export function declarationSource(code: string, name: string): string | undefined {
  const sf = ts.createSourceFile("cell.ts", code, NODE_SYNTAX, true, ts.ScriptKind.TS);
  const declaring = sf.statements.filter((s) => declaredNames(ts.factory.updateSourceFile(sf, [s])).has(name)).at(-1);
  return declaring && code.slice(declaring.getStart(sf, true), declaring.end);
}
