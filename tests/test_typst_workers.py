"""PDF workers that never hang: a process that compiled with Typst must not fork compilers.

Each scenario runs in a fresh Python with a time limit, so a hang fails the test instead of
stopping the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO

PRELUDE = """
import multiprocessing, time
from playpress.media.noto import noto_sans
from playpress.media.typst_engine import (Compiled, ForkedAfterCompile, PdfTimeout, PdfWorkers,
                                          TypstDocument, compile_pdf)
FONTS = (noto_sans().path,)

def document(n, round_):
    body = "\\n\\n".join(f"Round {round_}, page {page}: the first coffee." for page in range(3))
    return TypstDocument(f"= Document {n}\\n{body}", fonts=FONTS, name=f"doc-{n}")
"""


def run(script: str, timeout: float = 120) -> str:
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(script)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_workers_make_pdfs_round_after_round_after_the_parent_compiled() -> None:
    out = run("""
        if __name__ == "__main__":
            compile_pdf(document(0, 0))  # the parent has compiled: its Typst threads are running
            with PdfWorkers(2, timeout=60, warm_fonts=FONTS) as workers:
                for round_ in range(6):  # a watch session: several saves, each remaking 3 PDFs
                    started = time.monotonic()
                    results = list(workers.compile_all(document(n, round_) for n in range(3)))
                    made = [isinstance(r, Compiled) and r.pdf.startswith(b"%PDF") for r in results]
                    assert all(made), results
                    print(round_, len(results), round(time.monotonic() - started, 2))
            # the parent still forks workers that do not compile (posters), and they come back
            with multiprocessing.get_context("fork").Pool(2) as pool:
                assert pool.map(abs, [-1, -2, -3]) == [1, 2, 3]
            print("done")
    """)
    assert out.splitlines()[-1] == "done" and len(out.splitlines()) == 7


def test_the_same_document_gives_the_same_bytes_in_a_worker_and_here() -> None:
    out = run("""
        if __name__ == "__main__":
            with PdfWorkers(1) as workers:
                there = workers.compile(document(1, 1)).pdf
            print(there == compile_pdf(document(1, 1)))
    """)
    assert out.strip() == "True"


def test_a_process_forked_after_a_compile_refuses_instead_of_hanging() -> None:
    out = run(
        """
        def try_compile(_):
            try:
                compile_pdf(document(1, 1))
            except ForkedAfterCompile as error:
                return "refused"
            return "compiled"

        if __name__ == "__main__":
            compile_pdf(document(0, 0))
            with multiprocessing.get_context("fork").Pool(1) as pool:
                print(pool.map(try_compile, [0]))
    """,
        timeout=60,
    )
    assert out.strip() == "['refused']"


def test_a_runaway_document_is_stopped_and_the_others_are_made() -> None:
    out = run(
        """
        if __name__ == "__main__":
            loops = "#for i in range(20000) { for j in range(3000) { } }"
            slow = TypstDocument(loops, fonts=FONTS, name="slow")
            with PdfWorkers(1, timeout=1.5) as workers:
                results = list(workers.compile_all([document(1, 1), slow, document(2, 1)]))
                print([type(r).__name__ for r in results], results[1])
                print(type(workers.compile(document(3, 1))).__name__)  # the pool was started again
    """,
        timeout=90,
    )
    kinds, again = out.strip().splitlines()
    assert (
        kinds.startswith("['Compiled', 'PdfTimeout', 'Compiled']")
        and "slow: took more than 1.5 s" in kinds
    )
    assert again == "Compiled"
