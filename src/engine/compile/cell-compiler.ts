// Compiles one cell with TypeScript's API: types stripped, TypeScript-only syntax lowered, then
// rewritten over the session's bindings (rewrite.ts), with a source map back to the cell.
import ts, { NODE_SYNTAX } from "../../language/typescript.js";
import { bindingNames, resolveCell, type DeclKind, type SessionView } from "./resolve.js";
import { BOX_PREFIX, rewriteCell, type Binding, type RewriteOutput } from "./rewrite.js";
import { KERNEL_PARAM } from "./cell-frame.js";
import { topLevelUsing, type Disposal } from "./using.js";

export interface CompilerSession extends SessionView {
  kind(name: string): DeclKind | undefined;
  captured(name: string): boolean;
}

export interface CellDiagnostic {
  message: string;
  /** 1-based line and column in the cell. */
  line: number;
  column: number;
  code: number;
}

export class CellSyntaxError extends Error {
  constructor(readonly diagnostics: CellDiagnostic[]) {
    super(diagnostics.map((d) => d.message).join("\n"));
  }
}

export interface CompiledCell {
  /** A script whose value is the cell function `(__tsk, ...boxes) => result`. */
  script: string;
  sourceMap: string;
  bindings: Binding[];
  isAsync: boolean;
  /** Session names the cell's functions read or write: they must stay boxed in later cells. */
  captured: string[];
  /** Writes the mirrors back from the cell function's frame, where an interrupt pauses it (see rewrite.ts). */
  writeBack: string;
}

const OPTIONS: ts.CompilerOptions = {
  target: NODE_SYNTAX,
  module: ts.ModuleKind.Preserve,
  verbatimModuleSyntax: true,
  sourceMap: true,
  newLine: ts.NewLineKind.LineFeed,
  removeComments: false,
};

function diagnostic(d: ts.Diagnostic): CellDiagnostic {
  const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
  return {
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    line: pos.line + 1,
    column: pos.character + 1,
    code: d.code,
  };
}

/**
 * True when the statement is an expression the user wrote whose source does not end with `;`:
 * IPython's rule for showing a value. A statement TypeScript made from a declaration (the
 * `__decorate(...)` after a class with legacy decorators) is not a result.
 */
function isShownExpression(source: string, statement: ts.Statement): boolean {
  const original = ts.getOriginalNode(statement);
  const written = ts.isExpressionStatement(original) && !(original.flags & ts.NodeFlags.Synthesized);
  return written && !source.slice(original.pos, original.end).trimEnd().endsWith(";");
}

/** A `return` outside any function: TypeScript reports it only when type checking, so it is caught here. */
function topLevelReturn(sf: ts.SourceFile): ts.ReturnStatement | undefined {
  let found: ts.ReturnStatement | undefined;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n)) found = n;
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

/**
 * A name the cell declares twice where JavaScript forbids it: `let`, `const`, `class` or an import
 * together with any other declaration of the name. The type checker reports it too; this is for
 * cells that are not checked, whose declarations become session bindings and would lose the error.
 */
function redeclaration(sf: ts.SourceFile): ts.Identifier | undefined {
  const lexical = new Set<string>();
  const other = new Set<string>();
  let found: ts.Identifier | undefined;
  const declare = (id: ts.Identifier, isLexical: boolean) => {
    if (found) return;
    if (lexical.has(id.text) || (isLexical && other.has(id.text))) found = id;
    (isLexical ? lexical : other).add(id.text);
  };
  const nestedVars = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & ts.NodeFlags.BlockScoped)) for (const d of n.declarations) for (const id of bindingNames(d.name)) declare(id, false);
    ts.forEachChild(n, nestedVars);
  };
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) {
      const isLexical = (s.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0;
      for (const d of s.declarationList.declarations) for (const id of bindingNames(d.name)) declare(id, isLexical);
    } else if (ts.isClassDeclaration(s) && s.name) {
      declare(s.name, true);
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      declare(s.name, false);
    } else if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) declare(c.name, true);
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) declare(b.name, true);
      if (b && ts.isNamedImports(b)) for (const e of b.elements) declare(e.name, true);
    } else {
      ts.forEachChild(s, nestedVars);
    }
  }
  return found;
}

/** A name the compiled cell uses for the kernel's own parameters and temporaries. */
function isReserved(name: string): boolean {
  return name.startsWith(KERNEL_PARAM) || name.startsWith(BOX_PREFIX);
}

/** The identifier a top-level statement declares `name` with, for the error's position. */
function declaringIdentifier(sf: ts.SourceFile, name: string): ts.Node | undefined {
  const find = (n: ts.Node): ts.Node | undefined => (ts.isIdentifier(n) && n.text === name ? n : ts.forEachChild(n, find));
  return find(sf);
}

/** The cell position of a node of the transformed tree, as a diagnostic. */
function cellDiagnostic(sf: ts.SourceFile, node: ts.Node, message: string, code: number): CellDiagnostic {
  const original = ts.getOriginalNode(sf) as ts.SourceFile;
  const at = ts.getLineAndCharacterOfPosition(original, ts.getOriginalNode(node).getStart(original));
  return { message, line: at.line + 1, column: at.character + 1, code };
}

/**
 * The transformer that rewrites a cell over the session (see rewrite.ts). Statements that start at or
 * after `codeLength` were appended for the checker and are dropped.
 */
function sessionTransformer(
  code: string,
  session: CompilerSession,
  disposal: () => Disposal,
  done: (result: RewriteOutput & { captured: string[] }) => void,
): ts.TransformerFactory<ts.SourceFile> {
  return (tc) => (sf) => {
    const misplaced = topLevelReturn(sf);
    if (misplaced) throw new CellSyntaxError([cellDiagnostic(sf, misplaced, "A 'return' statement can only be used within a function body.", 1108)]);
    // By where each statement's first token starts: a trailing comment or line break of the cell is
    // leading trivia of the first appended statement. Statements the emit synthesized have no position.
    const parsed = ts.getOriginalNode(sf) as ts.SourceFile;
    const start = (s: ts.Statement) => {
      const original = ts.getOriginalNode(s);
      return original.pos < 0 ? original.pos : original.getStart(parsed);
    };
    const own = f.updateSourceFile(sf, sf.statements.filter((s) => start(s) < code.length));
    const twice = redeclaration(own);
    if (twice) throw new CellSyntaxError([cellDiagnostic(sf, twice, `Identifier '${twice.text}' has already been declared.`, 2451)]);
    const resolution = resolveCell(own, session);
    const reserved = resolution.declarations.find((d) => isReserved(d.name));
    if (reserved) throw new CellSyntaxError([cellDiagnostic(sf, declaringIdentifier(own, reserved.name) ?? own, `'${reserved.name}' is a name the kernel keeps for itself (names that begin with ${KERNEL_PARAM} or ${BOX_PREFIX}): choose another name.`, 2451)]);
    const { file, out } = rewriteCell(own, tc, {
      resolution,
      sessionKind: (n) => session.kind(n),
      capturedBefore: (n) => session.captured(n),
      lastIsResult: (s) => isShownExpression(code, s),
      disposal: disposal(),
    });
    done({ ...out, captured: [...resolution.captured] });
    return file;
  };
}

/** Top-level `using` is registered with the kernel first (using.ts); the rewrite over the session comes last. */
function cellTransformers(code: string, session: CompilerSession, done: (result: RewriteOutput & { captured: string[] }) => void): ts.CustomTransformers {
  let disposal: Disposal;
  return { before: [topLevelUsing((d) => (disposal = d))], after: [sessionTransformer(code, session, () => disposal, done)] };
}

const f = ts.factory;

function finish(outputText: string, sourceMap: string | undefined, result: Omit<CompiledCell, "script" | "sourceMap"> | undefined): CompiledCell {
  if (!result) throw new Error("the cell transformer did not run");
  const script = outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { script, sourceMap: sourceMap ?? "", ...result };
}

/** Compiles a cell on its own, without type checking. */
export function compileCell(code: string, fileName: string, session: CompilerSession): CompiledCell {
  let result: Omit<CompiledCell, "script" | "sourceMap"> | undefined;
  const out = ts.transpileModule(code, {
    compilerOptions: OPTIONS,
    fileName,
    reportDiagnostics: true,
    transformers: cellTransformers(code, session, (r) => (result = r)),
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new CellSyntaxError(errors.map(diagnostic));
  return finish(out.outputText, out.sourceMapText, result);
}

/**
 * TypeScript's own value for "JavaScript only" (EmitOnly.Js); the public flag can only ask for
 * declarations alone. A declaring cell's program emits both by default.
 */
const JAVASCRIPT_ONLY = 0 as unknown as boolean;

/**
 * Emits a cell from the program that type-checked it, so it is not parsed and bound a second time.
 * Its declarations (`.d.ts`) are emitted apart, later (CellChecker.commit): later cells need them, this one does not.
 */
export function compileChecked(code: string, program: ts.Program, file: ts.SourceFile, session: CompilerSession): CompiledCell {
  let result: Omit<CompiledCell, "script" | "sourceMap"> | undefined;
  let js = "";
  let map: string | undefined;
  program.emit(
    file,
    (name, text) => {
      if (name.endsWith(".map")) map = text;
      else if (name.endsWith(".js")) js = text;
    },
    undefined,
    JAVASCRIPT_ONLY,
    cellTransformers(code, session, (r) => (result = r)),
  );
  return finish(js, map, result);
}
