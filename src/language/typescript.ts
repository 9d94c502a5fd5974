// TypeScript, loaded through require: importing its 9 MB CommonJS file as an ES module makes Node
// scan it for ES syntax and for named exports first (measured: 550 ms against 210 ms), and every
// thread that checks or parses pays that before its first cell.
import ts = require("typescript");

export default ts;

/**
 * The syntax the kernel parses and emits for: all of it runs as written on Node.js 20 (ES2024 adds
 * the RegExp `v` flag); newer syntax (`using`) is compiled down.
 */
export const NODE_SYNTAX = ts.ScriptTarget.ES2024;

/** The syntax errors the parser found: it keeps them on the file it returns (not in the public declarations). */
export function parseErrorsOf(file: ts.SourceFile): readonly ts.Diagnostic[] {
  return (file as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
}
