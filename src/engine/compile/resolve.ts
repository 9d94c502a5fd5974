// Name resolution over a cell's JavaScript (after TypeScript's own transforms): which identifiers
// refer to session bindings, which are written, and which session names nested functions capture.
import ts from "../../language/typescript.js";

export type DeclKind = "let" | "const" | "var" | "function" | "class" | "import";

export interface TopDeclaration {
  name: string;
  kind: DeclKind;
}

export interface Resolution {
  /** Session-level names this cell declares, in source order (first declaration of each name). */
  declarations: TopDeclaration[];
  /** Identifier nodes that refer to a session binding. */
  sessionRefs: Map<ts.Identifier, { name: string; write: boolean }>;
  /** Session names referenced from inside a function, class or arrow nested in the cell. */
  captured: Set<string>;
  /** Session names referenced anywhere in the cell (declared here or earlier). */
  referenced: Set<string>;
}

/** What the compiler knows about the session before this cell runs. */
export interface SessionView {
  /** A defined session binding of this name exists. */
  has(name: string): boolean;
  /** The name is a property of globalThis (a builtin, or set there by user code). */
  isGlobal(name: string): boolean;
}

interface Scope {
  names: Set<string>;
  parent: Scope | undefined;
  /** True for function scopes (and the cell's own scope): var declarations stop here. */
  functionLike: boolean;
}

export function bindingNames(name: ts.BindingName, out: ts.Identifier[] = []): ts.Identifier[] {
  if (ts.isIdentifier(name)) {
    out.push(name);
  } else {
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  }
  return out;
}

function isFunctionLike(node: ts.Node): node is ts.SignatureDeclaration & { body?: ts.Node } {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** `var` names declared anywhere in `body` outside nested functions: they belong to the enclosing function. */
function hoistedVars(body: ts.Node, out: ts.Identifier[] = []): ts.Identifier[] {
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & ts.NodeFlags.BlockScoped)) {
      for (const d of n.declarations) bindingNames(d.name, out);
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return out;
}

/** Names a block declares directly: let, const, class, and (strict mode) function declarations. */
function blockNames(statements: readonly ts.Statement[], into: Set<string>): void {
  for (const s of statements) {
    if (ts.isVariableStatement(s) && s.declarationList.flags & ts.NodeFlags.BlockScoped) {
      for (const d of s.declarationList.declarations) for (const id of bindingNames(d.name)) into.add(id.text);
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
      into.add(s.name.text);
    }
  }
}

export function isAssignment(op: ts.SyntaxKind): boolean {
  return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
}

export function isIncrement(n: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression): boolean {
  return n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken;
}

export function resolveCell(sf: ts.SourceFile, session: SessionView): Resolution {
  const declarations: TopDeclaration[] = [];
  const declared = new Map<string, DeclKind>();
  const declare = (name: string, kind: DeclKind) => {
    if (!declared.has(name)) {
      declared.set(name, kind);
      declarations.push({ name, kind });
    }
  };
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) {
      const flags = s.declarationList.flags;
      const kind: DeclKind = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
      if (kind !== "var") for (const d of s.declarationList.declarations) for (const id of bindingNames(d.name)) declare(id.text, kind);
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      declare(s.name.text, "function");
    } else if (ts.isClassDeclaration(s) && s.name) {
      declare(s.name.text, "class");
    } else if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) declare(c.name.text, "import");
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) declare(b.name.text, "import");
      if (b && ts.isNamedImports(b)) for (const e of b.elements) declare(e.name.text, "import");
    }
  }
  for (const id of hoistedVars(sf)) declare(id.text, "var");

  const sessionRefs = new Map<ts.Identifier, { name: string; write: boolean }>();
  const captured = new Set<string>();
  const referenced = new Set<string>();
  const top: Scope = { names: new Set(declared.keys()), parent: undefined, functionLike: true };

  const lookup = (name: string, scope: Scope): Scope | undefined => {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.names.has(name)) return s;
    return undefined;
  };

  const reference = (id: ts.Identifier, scope: Scope, depth: number, write = false) => {
    const name = id.text;
    const found = lookup(name, scope);
    if (found && found !== top) return;
    // Unresolved names that are neither session bindings nor globals become session bindings too:
    // a function may use a name that a later cell defines, as Python looks globals up at call time.
    if (!found && !session.has(name) && session.isGlobal(name)) return;
    // `arguments` outside any function would be the cell function's own, the kernel's: as a session
    // name, it is not defined, as at a module's top level.
    if (!found && !session.has(name) && depth === 0 && name !== "arguments") return;
    sessionRefs.set(id, { name, write });
    referenced.add(name);
    if (depth > 0) captured.add(name);
  };

  const newScope = (parent: Scope, functionLike: boolean): Scope => ({ names: new Set(), parent, functionLike });

  const visitFunction = (fn: ts.SignatureDeclaration & { body?: ts.Node }, scope: Scope, depth: number) => {
    const inner = newScope(scope, true);
    if (ts.isFunctionExpression(fn) && fn.name) inner.names.add(fn.name.text);
    for (const p of fn.parameters) for (const id of bindingNames(p.name)) inner.names.add(id.text);
    if (!ts.isArrowFunction(fn)) inner.names.add("arguments");
    const body = fn.body;
    if (body) {
      for (const id of hoistedVars(body)) inner.names.add(id.text);
      if (ts.isBlock(body)) blockNames(body.statements, inner.names);
    }
    for (const p of fn.parameters) {
      visitBinding(p.name, inner, depth + 1);
      if (p.initializer) visit(p.initializer, inner, depth + 1);
    }
    if (body) {
      if (ts.isBlock(body)) for (const s of body.statements) visit(s, inner, depth + 1);
      else visit(body, inner, depth + 1);
    }
  };

  /** Only defaults and computed keys inside a binding pattern are expressions. */
  const visitBinding = (name: ts.BindingName, scope: Scope, depth: number) => {
    if (ts.isIdentifier(name)) return;
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (el.propertyName && ts.isComputedPropertyName(el.propertyName)) visit(el.propertyName.expression, scope, depth);
      visitBinding(el.name, scope, depth);
      if (el.initializer) visit(el.initializer, scope, depth);
    }
  };

  const visitClass = (cls: ts.ClassLikeDeclaration, scope: Scope, depth: number) => {
    const inner = newScope(scope, false);
    if (cls.name) inner.names.add(cls.name.text);
    for (const h of cls.heritageClauses ?? []) for (const t of h.types) visit(t.expression, inner, depth);
    for (const m of cls.members) {
      if (m.name && ts.isComputedPropertyName(m.name)) visit(m.name.expression, inner, depth);
      if (isFunctionLike(m)) visitFunction(m, inner, depth);
      else if (ts.isPropertyDeclaration(m) && m.initializer) visit(m.initializer, newScope(inner, true), depth + 1);
      else if (ts.isClassStaticBlockDeclaration(m)) visitStaticBlock(m.body, inner, depth + 1);
    }
  };

  /** A static block is a scope of its own, for `var` too: nothing it declares is a session name. */
  const visitStaticBlock = (body: ts.Block, scope: Scope, depth: number) => {
    const inner = newScope(scope, true);
    for (const id of hoistedVars(body)) inner.names.add(id.text);
    blockNames(body.statements, inner.names);
    for (const s of body.statements) visit(s, inner, depth);
  };

  const visitBlock = (statements: readonly ts.Statement[], scope: Scope, depth: number) => {
    const inner = newScope(scope, false);
    blockNames(statements, inner.names);
    for (const s of statements) visit(s, inner, depth);
  };

  /** An assignment target: identifiers in it are written; destructuring patterns are walked. */
  const visitTarget = (node: ts.Expression, scope: Scope, depth: number): void => {
    if (ts.isIdentifier(node)) {
      reference(node, scope, depth, true);
    } else if (ts.isParenthesizedExpression(node) || ts.isPartiallyEmittedExpression(node)) {
      // `(x as T) = v`, `x! = v`: TypeScript's transforms leave the target wrapped, its assertion erased.
      visitTarget(node.expression, scope, depth);
    } else if (ts.isArrayLiteralExpression(node)) {
      for (const el of node.elements) visitTarget(el, scope, depth);
    } else if (ts.isSpreadElement(node)) {
      visitTarget(node.expression, scope, depth);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      visitTarget(node.left, scope, depth);
      visit(node.right, scope, depth);
    } else if (ts.isObjectLiteralExpression(node)) {
      for (const p of node.properties) {
        if (ts.isPropertyAssignment(p)) {
          if (ts.isComputedPropertyName(p.name)) visit(p.name.expression, scope, depth);
          visitTarget(p.initializer, scope, depth);
        } else if (ts.isShorthandPropertyAssignment(p)) {
          reference(p.name, scope, depth, true);
          if (p.objectAssignmentInitializer) visit(p.objectAssignmentInitializer, scope, depth);
        } else if (ts.isSpreadAssignment(p)) {
          visitTarget(p.expression, scope, depth);
        }
      }
    } else {
      visit(node, scope, depth);
    }
  };

  const visit = (node: ts.Node, scope: Scope, depth: number): void => {
    if (ts.isIdentifier(node)) {
      reference(node, scope, depth);
      return;
    }
    if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) {
      visitTarget(node.left, scope, depth);
      visit(node.right, scope, depth);
      return;
    }
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && isIncrement(node)) {
      visitTarget(node.operand, scope, depth);
      return;
    }
    if (isFunctionLike(node)) {
      visitFunction(node, scope, depth);
      return;
    }
    if (ts.isClassLike(node)) {
      visitClass(node, scope, depth);
      return;
    }
    if (ts.isBlock(node) || ts.isCaseBlock(node)) {
      const statements = ts.isBlock(node) ? node.statements : node.clauses.flatMap((c) => [...c.statements]);
      if (ts.isCaseBlock(node)) {
        for (const c of node.clauses) if (ts.isCaseClause(c)) visit(c.expression, scope, depth);
      }
      visitBlock(statements, scope, depth);
      return;
    }
    if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const inner = newScope(scope, false);
      const init = node.initializer;
      if (init && ts.isVariableDeclarationList(init) && init.flags & ts.NodeFlags.BlockScoped) {
        for (const d of init.declarations) for (const id of bindingNames(d.name)) inner.names.add(id.text);
      }
      if (init && !ts.isVariableDeclarationList(init) && !ts.isForStatement(node)) visitTarget(init, inner, depth);
      ts.forEachChild(node, (c) => {
        if (c !== init || ts.isVariableDeclarationList(init) || ts.isForStatement(node)) visit(c, inner, depth);
      });
      return;
    }
    if (ts.isCatchClause(node)) {
      const inner = newScope(scope, false);
      if (node.variableDeclaration) {
        for (const id of bindingNames(node.variableDeclaration.name)) inner.names.add(id.text);
        visitBinding(node.variableDeclaration.name, inner, depth);
      }
      visitBlock(node.block.statements, inner, depth);
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      // The declared names themselves are handled by the rewrite as declarations, not references.
      if (ts.isIdentifier(node.name)) {
        if (scope === top || lookup(node.name.text, scope) === top) reference(node.name, scope, depth);
      } else {
        for (const id of bindingNames(node.name)) if (lookup(id.text, scope) === top) reference(id, scope, depth);
        visitBinding(node.name, scope, depth);
      }
      if (node.initializer) visit(node.initializer, scope, depth);
      return;
    }
    if (ts.isPropertyAccessExpression(node)) {
      visit(node.expression, scope, depth);
      return;
    }
    if (ts.isPropertyAssignment(node)) {
      if (ts.isComputedPropertyName(node.name)) visit(node.name.expression, scope, depth);
      visit(node.initializer, scope, depth);
      return;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      reference(node.name, scope, depth);
      if (node.objectAssignmentInitializer) visit(node.objectAssignmentInitializer, scope, depth);
      return;
    }
    if (
      ts.isLabeledStatement(node) ||
      ts.isBreakStatement(node) ||
      ts.isContinueStatement(node)
    ) {
      if (ts.isLabeledStatement(node)) visit(node.statement, scope, depth);
      return;
    }
    if (ts.isMetaProperty(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    ts.forEachChild(node, (c) => visit(c, scope, depth));
  };

  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s)) {
      visitFunction(s, top, 0);
    } else if (ts.isClassDeclaration(s)) {
      visitClass(s, top, 0);
    } else {
      visit(s, top, 0);
    }
  }
  return { declarations, sessionRefs, captured, referenced };
}
