// A cell's top-level `using` and `await using` declarations. The cell is their scope, as a module is
// for a module's: the resources are disposed when the cell ends, and the names stay in the session.
// TypeScript lowers `using` (Node 20 has no native support) by wrapping everything after it in a
// block, which would hide the cell's declarations from the session; so before that lowering, each
// top-level declaration becomes a `const` whose value the kernel registers for disposal, and the
// rewrite (rewrite.ts) disposes them in the cell function's `finally`.
import ts from "../../language/typescript.js";
import { KERNEL_PARAM } from "./cell-frame.js";

/** How a cell's resources are disposed: `async` when any is `await using` (the cell then awaits). */
export type Disposal = "sync" | "async" | undefined;

const f = ts.factory;

function isUsing(s: ts.Statement): s is ts.VariableStatement {
  return ts.isVariableStatement(s) && (s.declarationList.flags & ts.NodeFlags.Using) !== 0;
}

/** `using x = e` → `const x = __tsk.use(e, false)`; `await using` passes true. */
function registered(s: ts.VariableStatement): ts.VariableStatement {
  const isAwait = (s.declarationList.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing;
  const declarations = s.declarationList.declarations.map((d) => {
    const use = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(KERNEL_PARAM), "use"), undefined, [
      d.initializer ?? f.createVoidZero(),
      isAwait ? f.createTrue() : f.createFalse(),
    ]);
    return ts.setTextRange(f.updateVariableDeclaration(d, d.name, d.exclamationToken, d.type, use), d);
  });
  const list = ts.setTextRange(f.createVariableDeclarationList(declarations, ts.NodeFlags.Const), s.declarationList);
  return ts.setOriginalNode(ts.setTextRange(f.updateVariableStatement(s, s.modifiers, list), s), s);
}

/** The transformer (run before TypeScript's own); `found` learns how the cell must dispose. */
export function topLevelUsing(found: (disposal: Disposal) => void): ts.TransformerFactory<ts.SourceFile> {
  return () => (sf) => {
    const using = sf.statements.filter(isUsing);
    if (using.length === 0) return sf;
    const isAsync = using.some((s) => (s.declarationList.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing);
    found(isAsync ? "async" : "sync");
    return f.updateSourceFile(sf, sf.statements.map((s) => (isUsing(s) ? registered(s) : s)));
  };
}
