// TypeScript, loaded through require: importing its 9 MB CommonJS file as an ES module makes Node
// scan it for ES syntax and for named exports first (measured: 550 ms against 210 ms), and every
// thread that checks or parses pays that before its first cell.
import ts = require("typescript");

export default ts;
