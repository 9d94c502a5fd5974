// Compiles one cell with TypeScript's API: types stripped, TypeScript-only syntax lowered, then
// rewritten over the session's bindings (rewrite.ts), with a source map back to the cell.
import ts from "typescript";
import { resolveCell, type DeclKind, type SessionView } from "./resolve.js";
import { rewriteCell, type Binding } from "./rewrite.js";

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
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
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

/** True when the statement's source does not end with `;`: IPython's rule for showing a value. */
function endsWithoutSemicolon(source: string, statement: ts.Statement): boolean {
  const original = ts.getOriginalNode(statement);
  return !source.slice(original.pos, original.end).trimEnd().endsWith(";");
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

export function compileCell(code: string, fileName: string, session: CompilerSession): CompiledCell {
  let result: { bindings: Binding[]; isAsync: boolean; captured: string[] } | undefined;
  const transformer: ts.TransformerFactory<ts.SourceFile> = (tc) => (sf) => {
    const misplaced = topLevelReturn(sf);
    if (misplaced) {
      const original = ts.getOriginalNode(misplaced);
      const at = ts.getLineAndCharacterOfPosition(ts.getOriginalNode(sf) as ts.SourceFile, original.getStart(ts.getOriginalNode(sf) as ts.SourceFile));
      throw new CellSyntaxError([
        { message: "A 'return' statement can only be used within a function body.", line: at.line + 1, column: at.character + 1, code: 1108 },
      ]);
    }
    const resolution = resolveCell(sf, session);
    const { file, out } = rewriteCell(sf, tc, {
      resolution,
      sessionKind: (n) => session.kind(n),
      capturedBefore: (n) => session.captured(n),
      lastIsResult: (s) => endsWithoutSemicolon(code, s),
    });
    result = { ...out, captured: [...resolution.captured] };
    return file;
  };
  const out = ts.transpileModule(code, {
    compilerOptions: OPTIONS,
    fileName,
    reportDiagnostics: true,
    transformers: { after: [transformer] },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new CellSyntaxError(errors.map(diagnostic));
  if (!result) throw new Error("the cell transformer did not run");
  const script = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { script, sourceMap: out.sourceMapText ?? "", ...result };
}
