"""Printable exports of a submission: an A4 administrative document (Nghị định 30/2020/NĐ-CP) as DOCX or PDF.

The service builds a `PrintableReport` (plain data) and calls `render_docx` or `render_pdf`. Both are
synchronous, CPU-bound and keep no state between calls; call them off the event loop, e.g.

    pdf_limiter = anyio.CapacityLimiter(1)   # one per process, made in lifespan
    pdf = await anyio.to_thread.run_sync(render_pdf, report, limiter=pdf_limiter)

One PDF rendering at a time per process: WeasyPrint's maintainers say it is not designed to be
thread-safe (Pango, fontconfig underneath), and its layout is Python holding the GIL, so parallel
threads gain nothing (12 renderings on 4 threads took longer than one after another); scale out with
replicas or processes. DOCX rendering is pure Python and fast (0.05 s; 0.7 s for 160 pages), but still
belongs off the event loop.
"""

from .document import FieldValue, PrintableReport, Section, TableValue
from .docx import render_docx
from .pdf import render_pdf

__all__ = ["FieldValue", "PrintableReport", "Section", "TableValue", "render_docx", "render_pdf"]
