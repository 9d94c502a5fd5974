"""jupyter_kernel_test's protocol conformance suite, pointed at tskernel.

Run from this directory with JUPYTER_PATH naming the share/jupyter where the
tskernel kernelspec is installed:  python3 -m unittest -v tskernel_conformance
"""

import unittest

import jupyter_kernel_test


class TSKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tskernel"

    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    # Completion is runtime-based: globals, members of live values, and names
    # the session has defined. The expected sets are exact.
    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "JSON.str", "matches": {"stringify"}},
    ]

    complete_code_samples = ["1+1", "let a = 1"]
    incomplete_code_samples = ["function f() {", "[1, 2,"]
    invalid_code_samples = ["let = ;"]

    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    # text/plain is util.inspect output, so a string result keeps its quotes.
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>x</b>")', "mime": "text/html"},
        {"code": 'display.markdown("*x*")', "mime": "text/markdown"},
        {
            "code": "display.svg(\"<svg xmlns='http://www.w3.org/2000/svg'/>\")",
            "mime": "image/svg+xml",
        },
    ]

    code_clear_output = "clearOutput()"

    # History search globs are anchored to the whole cell, as IPython's are, so
    # the pattern must match one code_execute_result cell in full ("6*7") and
    # nothing else the suite runs; "unique" then expects exactly one row.
    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    def test_tskernel_input_answered_by_jupyter_client(self):
        """input() reaches jupyter_client's stdin_hook; its input() reply carries no parent header."""
        prompts = []

        def answer(msg):
            prompts.append(msg["content"])
            self.kc.input("typed")

        results = []
        reply = self.kc.execute_interactive(
            '(await input.password("PIN: ")).toUpperCase()',
            allow_stdin=True,
            stdin_hook=answer,
            output_hook=lambda msg: results.append(msg),
            timeout=60,
        )
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(prompts, [{"prompt": "PIN: ", "password": True}])
        values = [m["content"]["data"]["text/plain"] for m in results if m["msg_type"] == "execute_result"]
        self.assertEqual(values, ["'TYPED'"])


if __name__ == "__main__":
    unittest.main()
