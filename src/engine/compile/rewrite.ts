// Turns a cell's JavaScript into one function over the session's bindings.
//
// Each session name has a box `{ v, d }` (value, defined) shared by every cell, so a function from
// an earlier cell reads the current value when it is called. Boxes are slow in tight loops (a
// double stored in an object is boxed on every write), so a name that no function can observe
// (not captured by a closure, here or in an earlier cell) lives in a local "mirror" during the
// cell and is written back to its box when declared and when the cell ends. An interrupt that stops
// the cell part-way writes them back too, by evaluating `writeBack` in the paused cell's frame: the
// cell's loops carry no check of their own.
import ts from "../../language/typescript.js";
import { bindingNames, type DeclKind, type Resolution } from "./resolve.js";
import { CELL_FUNCTION, KERNEL_PARAM } from "./cell-frame.js";
import type { Disposal } from "./using.js";

export const BOX_PREFIX = "__b$";
const IMPORT_PREFIX = "__tsk_m";

export interface Binding {
  name: string;
  /** Declared by this cell, and how; undefined when the cell only uses an earlier binding. */
  kind: DeclKind | undefined;
  mode: "box" | "mirror";
}

export interface RewriteContext {
  resolution: Resolution;
  /** Kind of an existing session binding, to refuse writes to constants. */
  sessionKind(name: string): DeclKind | undefined;
  /** Names some earlier cell's function reads: they must stay in boxes. */
  capturedBefore(name: string): boolean;
  /** Whether the last statement's value is the cell's result (it has no trailing `;`). */
  lastIsResult(statement: ts.Statement): boolean;
  /** Whether the cell has top-level `using` declarations (see using.ts), and how to dispose of them. */
  disposal?: Disposal;
}

export interface RewriteOutput {
  bindings: Binding[];
  isAsync: boolean;
  /**
   * Statements that write the mirrors to their boxes, valid in the cell function's own frame: what its
   * end runs, one name at a time (a name still uninitialised is skipped, not an error). Mirrors an
   * inner block of the cell may hide are left out: there, the name may be the block's own.
   */
  writeBack: string;
}

const f = ts.factory;

function containsTopLevelAwait(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * Names the cell's own code (outside its functions and classes) declares in an inner scope: a block,
 * a loop head, a catch clause. While that scope runs, such a name hides the cell's binding.
 */
function namesDeclaredInInnerScopes(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const add = (name: ts.BindingName) => {
    for (const id of bindingNames(name)) names.add(id.text);
  };
  const inner = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) {
      if ((ts.isFunctionDeclaration(n) || ts.isClassLike(n)) && n.name) names.add(n.name.text);
      return;
    }
    if (ts.isVariableDeclarationList(n) && n.flags & ts.NodeFlags.BlockScoped) for (const d of n.declarations) add(d.name);
    if (ts.isCatchClause(n) && n.variableDeclaration) add(n.variableDeclaration.name);
    ts.forEachChild(n, inner);
  };
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) if (d.initializer) inner(d.initializer);
    } else if (!ts.isFunctionDeclaration(s) && !ts.isClassDeclaration(s)) {
      inner(s);
    }
  }
  return names;
}

function startsEnumOrNamespace(statement: ts.VariableStatement): boolean {
  const original = ts.getOriginalNode(statement);
  return original !== statement && (ts.isEnumDeclaration(original) || ts.isModuleDeclaration(original));
}

function stripModifiers<T extends ts.Node>(node: T): T {
  if (!ts.canHaveModifiers(node) || !node.modifiers) return node;
  const kept = node.modifiers.filter(
    (m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword,
  );
  if (ts.isFunctionDeclaration(node)) {
    return f.updateFunctionDeclaration(node, kept, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, node.body) as unknown as T;
  }
  if (ts.isClassDeclaration(node)) {
    return f.updateClassDeclaration(node, kept, node.name, node.typeParameters, node.heritageClauses, node.members) as unknown as T;
  }
  if (ts.isVariableStatement(node)) return f.updateVariableStatement(node, kept, node.declarationList) as unknown as T;
  return node;
}

/**
 * `try { body } catch (e) { __tsk.failed(e); throw e; } finally { __tsk.dispose() }` (or `await
 * __tsk.disposeAsync()`): the cell's resources are disposed last to first however it ends; a disposal
 * error is thrown with the cell's own error, if any, as its `suppressed` (a SuppressedError), as a
 * block's end does in JavaScript.
 */
function disposingAtEnd(body: ts.Statement[], disposal: "sync" | "async"): ts.Statement {
  const kernel = (method: string, args: ts.Expression[]) =>
    f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(KERNEL_PARAM), method), undefined, args);
  const error = f.createIdentifier("__tsk_error");
  const failed = f.createCatchClause(error, f.createBlock([f.createExpressionStatement(kernel("failed", [error])), f.createThrowStatement(error)], true));
  const end = f.createExpressionStatement(disposal === "async" ? f.createAwaitExpression(kernel("disposeAsync", [])) : kernel("dispose", []));
  return f.createTryStatement(f.createBlock(body, true), failed, f.createBlock([end], true));
}

export function rewriteCell(sf: ts.SourceFile, tc: ts.TransformationContext, rc: RewriteContext): { file: ts.SourceFile; out: RewriteOutput } {
  const { resolution } = rc;
  const declaredKind = new Map(resolution.declarations.map((d) => [d.name, d.kind]));
  const bindings: Binding[] = [];
  const index = new Map<string, number>();
  const addBinding = (name: string) => {
    if (index.has(name)) return;
    const kind = declaredKind.get(name);
    // Functions, classes and imports are rarely hot loop variables: keep them boxed and simple. An
    // import from an earlier cell must be read through its box each time: the box reads the module (live).
    // `arguments` cannot name a mirror: strict mode forbids declaring it.
    const boxed =
      name === "arguments" ||
      resolution.captured.has(name) ||
      rc.capturedBefore(name) ||
      kind === "function" ||
      kind === "class" ||
      (kind ?? rc.sessionKind(name)) === "import";
    index.set(name, bindings.length);
    bindings.push({ name, kind, mode: boxed ? "box" : "mirror" });
  };
  for (const d of resolution.declarations) addBinding(d.name);
  for (const name of resolution.referenced) addBinding(name);

  const binding = (name: string): Binding => bindings[index.get(name)!];
  const box = (name: string) => f.createIdentifier(BOX_PREFIX + name);
  const kernelCall = (method: string, args: ts.Expression[]) =>
    f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(KERNEL_PARAM), method), undefined, args);
  const boxValue = (name: string) => f.createPropertyAccessExpression(box(name), "v");
  const isConstant = (name: string) => {
    const k = declaredKind.get(name) ?? rc.sessionKind(name);
    return k === "const" || k === "import";
  };
  /** Reading a boxed name: its value, or the builtin it shadowed, or a ReferenceError. */
  const boxRead = (name: string, fallback = "u") =>
    f.createParenthesizedExpression(
      f.createConditionalExpression(
        f.createPropertyAccessExpression(box(name), "d"),
        undefined,
        boxValue(name),
        undefined,
        kernelCall(fallback, [f.createStringLiteral(name)]),
      ),
    );
  /** Writing a boxed name: its box; when the name is not defined (deleted, or not declared yet), what the kernel says (`w`). */
  const boxTarget = (name: string) =>
    f.createParenthesizedExpression(
      f.createConditionalExpression(f.createPropertyAccessExpression(box(name), "d"), undefined, box(name), undefined, kernelCall("w", [f.createStringLiteral(name)])),
    );
  const writeTarget = (name: string): ts.Expression => {
    if (isConstant(name)) return f.createPropertyAccessExpression(kernelCall("c", [f.createStringLiteral(name)]), "v");
    return binding(name).mode === "box" ? f.createPropertyAccessExpression(boxTarget(name), "v") : f.createIdentifier(name);
  };
  const localRead = (name: string): ts.Expression =>
    binding(name).mode === "box" ? boxValue(name) : f.createIdentifier(name);
  const declare = (name: string) =>
    kernelCall("d", [f.createNumericLiteral(index.get(name)!), localRead(name)]);

  /** A binding pattern as the equivalent assignment pattern over the session's storage (box or mirror). */
  const toAssignmentPattern = (name: ts.BindingName): ts.Expression => {
    if (ts.isIdentifier(name)) return localRead(name.text);
    if (ts.isObjectBindingPattern(name)) {
      return f.createObjectLiteralExpression(
        name.elements.map((el) => {
          const target = withDefault(toAssignmentPattern(el.name), el.initializer);
          if (el.dotDotDotToken) return f.createSpreadAssignment(target);
          const key = el.propertyName
            ? ts.isComputedPropertyName(el.propertyName)
              ? f.createComputedPropertyName(visitExpr(el.propertyName.expression))
              : el.propertyName
            : f.createIdentifier((el.name as ts.Identifier).text);
          return f.createPropertyAssignment(key, target);
        }),
      );
    }
    return f.createArrayLiteralExpression(
      name.elements.map((el) => {
        if (ts.isOmittedExpression(el)) return el;
        const target = withDefault(toAssignmentPattern(el.name), el.initializer);
        return el.dotDotDotToken ? f.createSpreadElement(target) : target;
      }),
    );
  };
  const withDefault = (target: ts.Expression, init: ts.Expression | undefined) =>
    init ? f.createAssignment(target, visitExpr(init)) : target;

  /** A session `var` list (top level or nested in blocks): assignments, since the binding already exists. */
  const varListAsExpression = (list: ts.VariableDeclarationList): ts.Expression | undefined => {
    const parts = list.declarations
      .filter((d) => d.initializer)
      .map((d): ts.Expression => f.createAssignment(toAssignmentPattern(d.name), visitExpr(d.initializer!)));
    return parts.length === 0 ? undefined : parts.reduce((a, b) => f.createComma(a, b));
  };

  /**
   * The `var E;` TypeScript puts before an enum's or namespace's body, which fills `E || (E = {})`: a
   * cell's first declaration of E starts from nothing, as the newest declaration wins, instead of
   * adding members to (or failing on) the value an earlier cell gave the name.
   */
  const startFromNothing = (list: ts.VariableDeclarationList): ts.Expression =>
    list.declarations.map((d) => f.createAssignment(toAssignmentPattern(d.name), f.createVoidZero()) as ts.Expression).reduce((a, b) => f.createComma(a, b));

  const isSessionVarList = (list: ts.VariableDeclarationList) =>
    !(list.flags & ts.NodeFlags.BlockScoped) &&
    list.declarations.some((d) => bindingNames(d.name).some((id) => resolution.sessionRefs.has(id)));

  const visit = (node: ts.Node): ts.VisitResult<ts.Node> => {
    if (ts.isIdentifier(node)) {
      const ref = resolution.sessionRefs.get(node);
      if (!ref) return node;
      if (ref.write) return ts.setTextRange(writeTarget(ref.name), node);
      return binding(ref.name).mode === "box" ? ts.setTextRange(boxRead(ref.name), node) : node;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const ref = resolution.sessionRefs.get(node.name);
      if (ref && (binding(ref.name).mode === "box" || ref.write)) {
        const value = ref.write ? writeTarget(ref.name) : boxRead(ref.name);
        const init = node.objectAssignmentInitializer;
        return f.createPropertyAssignment(node.name.text, init ? f.createAssignment(value, visitExpr(init)) : value);
      }
    }
    // `import(spec)` resolves like the cell's static imports: from the notebook's directory.
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return ts.setTextRange(kernelCall("i", node.arguments.map(visitExpr)), node);
    }
    // A cell is a script: `import.meta` comes from the kernel (the notebook is the main program).
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      return ts.setTextRange(kernelCall("meta", []), node);
    }
    if (ts.isTypeOfExpression(node) && ts.isIdentifier(node.expression)) {
      const ref = resolution.sessionRefs.get(node.expression);
      if (ref && binding(ref.name).mode === "box") return f.createTypeOfExpression(boxRead(ref.name, "t"));
    }
    if (ts.isVariableStatement(node) && isSessionVarList(node.declarationList)) {
      const expr = startsEnumOrNamespace(node) ? startFromNothing(node.declarationList) : varListAsExpression(node.declarationList);
      return expr ? ts.setTextRange(f.createExpressionStatement(expr), node) : f.createEmptyStatement();
    }
    if ((ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) && node.initializer) {
      const init = node.initializer;
      if (ts.isVariableDeclarationList(init) && isSessionVarList(init)) {
        const visited = ts.visitEachChild(node, visit, tc);
        if (ts.isForStatement(visited)) {
          return f.updateForStatement(visited, varListAsExpression(init), visited.condition, visited.incrementor, visited.statement);
        }
        const target = toAssignmentPattern(init.declarations[0].name);
        return ts.isForInStatement(visited)
          ? f.updateForInStatement(visited, target, visited.expression, visited.statement)
          : f.updateForOfStatement(visited, visited.awaitModifier, target, visited.expression, visited.statement);
      }
    }
    return ts.visitEachChild(node, visit, tc);
  };
  const visitExpr = (e: ts.Expression) => ts.visitNode(e, visit) as ts.Expression;

  const prologue: ts.Statement[] = [];
  const body: ts.Statement[] = [];
  const importTemps: string[] = [];
  const statements = sf.statements.filter(
    (s) => !(ts.isExportDeclaration(s) || (ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression) && s.expression.text === "use strict")),
  );
  const last = statements[statements.length - 1];

  for (const original of statements) {
    const s = stripModifiers(original);
    if (ts.isVariableStatement(s) && s.declarationList.flags & ts.NodeFlags.BlockScoped) {
      for (const d of s.declarationList.declarations) {
        const value = d.initializer ? visitExpr(d.initializer) : f.createVoidZero();
        const parts: ts.Expression[] = [f.createAssignment(toAssignmentPattern(d.name), value)];
        for (const id of bindingNames(d.name)) parts.push(declare(id.text));
        body.push(ts.setTextRange(f.createExpressionStatement(parts.reduce((a, b) => f.createComma(a, b))), d));
      }
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      body.push(ts.visitEachChild(s, visit, tc));
      prologue.push(f.createExpressionStatement(kernelCall("d", [f.createNumericLiteral(index.get(s.name.text)!), f.createIdentifier(s.name.text)])));
    } else if (ts.isClassDeclaration(s) && s.name) {
      body.push(ts.visitEachChild(s, visit, tc));
      body.push(f.createExpressionStatement(kernelCall("d", [f.createNumericLiteral(index.get(s.name.text)!), f.createIdentifier(s.name.text)])));
    } else if (ts.isImportDeclaration(s)) {
      const temp = IMPORT_PREFIX + importTemps.length;
      importTemps.push(temp);
      // A module that needs no wait loads within the cell's synchronous run (an interrupt can stop it there).
      const specifier = s.moduleSpecifier as ts.StringLiteral;
      const load = f.createAssignment(
        f.createIdentifier(temp),
        f.createBinaryExpression(kernelCall("n", [specifier]), ts.SyntaxKind.QuestionQuestionToken, f.createAwaitExpression(kernelCall("i", [specifier]))),
      );
      const parts: ts.Expression[] = [load];
      const c = s.importClause;
      // A namespace is bound as it is; a named or default import reads the namespace each time (live).
      const slot = (name: string) => f.createNumericLiteral(index.get(name)!);
      const bindLive = (name: string, exported: string) =>
        parts.push(kernelCall("l", [slot(name), f.createIdentifier(temp), f.createStringLiteral(exported)]));
      if (c?.name) bindLive(c.name.text, "default");
      const nb = c?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) parts.push(kernelCall("d", [slot(nb.name.text), f.createIdentifier(temp)]));
      if (nb && ts.isNamedImports(nb)) {
        for (const e of nb.elements) bindLive(e.name.text, ((e.propertyName ?? e.name) as ts.Identifier | ts.StringLiteral).text);
      }
      body.push(ts.setTextRange(f.createExpressionStatement(parts.reduce((a, b) => f.createComma(a, b))), s));
    } else if (ts.isExportAssignment(s)) {
      body.push(ts.setTextRange(f.createExpressionStatement(visitExpr(s.expression)), s));
    } else if (original === last && ts.isExpressionStatement(s) && rc.lastIsResult(original)) {
      body.push(ts.setTextRange(f.createReturnStatement(visitExpr(s.expression)), s));
    } else {
      body.push(ts.visitNode(s, visit) as ts.Statement);
    }
  }

  // Mirrors start from the session value; `var` names exist from the cell's first line, as hoisting has it.
  const locals: ts.VariableDeclaration[] = importTemps.map((t) => f.createVariableDeclaration(t));
  const sync: ts.Statement[] = [];
  const hidable = namesDeclaredInInnerScopes(sf);
  const writeBack: string[] = [];
  for (const b of bindings) {
    if (b.mode === "mirror") {
      const start =
        b.kind === undefined ? boxRead(b.name) : b.kind === "var" ? boxRead(b.name, "z") : f.createVoidZero();
      locals.push(f.createVariableDeclaration(b.name, undefined, undefined, start));
      sync.push(f.createExpressionStatement(kernelCall("s", [f.createNumericLiteral(index.get(b.name)!), f.createIdentifier(b.name)])));
      if (!hidable.has(b.name)) writeBack.push(`try { ${KERNEL_PARAM}.s(${index.get(b.name)!}, ${b.name}); } catch {}`);
    }
    if (b.kind === "var") prologue.unshift(f.createExpressionStatement(declare(b.name)));
  }

  const isAsync = statements.some(containsTopLevelAwait) || importTemps.length > 0 || rc.disposal === "async";
  const fnBody: ts.Statement[] = [f.createExpressionStatement(f.createStringLiteral("use strict"))];
  if (locals.length > 0) fnBody.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(locals, ts.NodeFlags.Let)));
  // Function declarations stay outside the disposal's block: inside it they would be block-scoped.
  const functions = body.filter(ts.isFunctionDeclaration);
  const rest = body.filter((s) => !ts.isFunctionDeclaration(s));
  const tryBody = f.createBlock([...prologue, ...(rc.disposal ? [...functions, disposingAtEnd(rest, rc.disposal)] : body)], true);
  fnBody.push(sync.length > 0 ? f.createTryStatement(tryBody, undefined, f.createBlock(sync, true)) : tryBody);
  const params = [KERNEL_PARAM, ...bindings.map((b) => BOX_PREFIX + b.name)].map((p) =>
    f.createParameterDeclaration(undefined, undefined, p),
  );
  const fn = f.createFunctionExpression(
    isAsync ? [f.createModifier(ts.SyntaxKind.AsyncKeyword)] : undefined,
    undefined,
    CELL_FUNCTION,
    undefined,
    params,
    undefined,
    f.createBlock(fnBody, true),
  );
  const file = f.updateSourceFile(sf, [f.createExpressionStatement(f.createParenthesizedExpression(fn))]);
  return { file, out: { bindings, isAsync, writeBack: writeBack.join("\n") } };
}
