// user_expressions are expressions, as IPython evaluates them: a declaration or several statements
// sent by a front end's silent query must not change the session.
import ts, { NODE_SYNTAX, parseErrorsOf } from "./typescript.js";
import { isStackOverflow } from "./too-deep.js";

/** Whether the code in parentheses parses as one expression (an object literal included). */
export function isSingleExpression(code: string): boolean {
  const wrapped = `(${code}\n)`;
  let sf: ts.SourceFile;
  try {
    sf = ts.createSourceFile("expression.ts", wrapped, NODE_SYNTAX, false, ts.ScriptKind.TS);
  } catch (e) {
    if (isStackOverflow(e)) return false;
    throw e;
  }
  const [only, ...more] = sf.statements;
  const isExpression = only !== undefined && more.length === 0 && ts.isExpressionStatement(only) && ts.isParenthesizedExpression(only.expression);
  return isExpression && parseErrorsOf(sf).length === 0;
}
