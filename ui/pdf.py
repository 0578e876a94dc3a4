"""The report as a PDF: the same sections as the HTML report, laid out on A4 pages by Qt.

`report_sections` builds the sections of a whole plan exactly as `llm-planner report` does;
`write_pdf` lays them out with a QTextDocument (the report's SVG charts rendered to images at
print resolution) and paints them page by page through QPdfWriter, with a footer that carries
the title and "Page n of N". `page_images` paints the same pages onto images (a preview).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSizeF,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from planner.catalog.load import Catalog
from planner.cli_report import plan_table, scenario_report
from planner.fileio import atomic_write_bytes
from planner.plan.schema import Plan
from planner.report.document import Section, build_sections

CREATOR = "LLM Deployment Planner"
DPI = 300
MARGINS_MM = QMarginsF(18, 16, 18, 14)  # left, top, right, bottom
TABLE_CHARS = 100.0  # characters of table text across the page, roughly
CSS_DPI = 96.0  # <img width> and CSS pixels are 1/96 inch
CONTENT_WIDTH_PX = 640  # the report's charts are drawn 640 px wide
FOOTER_PT = 8.0
BODY_PT = 9.5
INK = QColor("#1a1a1a")
MUTED = QColor("#555555")

# What QTextDocument understands of the HTML report's CSS, for paper (always light).
CSS = (
    "body{color:#1a1a1a}"
    "h1{font-size:17pt;margin-bottom:6px}"
    "h2{font-size:12.5pt;margin-top:28px;margin-bottom:10px}"
    "h3{font-size:10pt;margin-top:20px;margin-bottom:6px}"
    "p{margin-top:0;margin-bottom:12px}"
    "p.client{font-size:11pt;color:#444444;margin-bottom:20px}"
    "table{border-color:#b0b0b0;border-style:solid;border-collapse:collapse;"
    "margin-top:4px;margin-bottom:16px}"
    "th{background-color:#eeeeee;font-weight:bold;text-align:left}"
    "td,th{font-size:8.5pt;vertical-align:top}"
)


def report_sections(catalog: Catalog, plan: Plan) -> list[Section]:
    """The sections of the report of every scenario in `plan`, as `render_plan` builds them
    (the plan's stored calibrations applied; its notes first)."""
    table = plan_table(plan)
    reports = [scenario_report(catalog, s, table) for s in plan.scenarios]
    sections = build_sections(reports)
    if plan.notes:
        sections.insert(0, Section("Notes", paragraphs=[plan.notes]))
    return sections


def _svg_image(svg: str, scale: float) -> QImage | None:
    """The SVG chart on white at `scale` device pixels per SVG pixel (None: unreadable)."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        return None
    size = renderer.defaultSize()
    if size.isEmpty():
        return None
    image = QImage(
        max(1, round(size.width() * scale)),
        max(1, round(size.height() * scale)),
        QImage.Format.Format_RGB32,
    )
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter)
    painter.end()
    return image


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[int]:
    """Column widths in percent, from how much text each column holds: every column gets
    what its usual cell needs (its longest word at least), long free text such as sources
    the rest."""
    floors, extra = [], []
    for i, h in enumerate(headers):
        cells = [str(r[i]) for r in rows if i < len(r)] or [""]
        mean = sum(len(c) for c in cells) / len(cells)
        longest = max(len(c) for c in cells)
        word = max((len(w) for c in [h, *cells] for w in c.split()), default=1)
        floor = min(longest, max(mean, min(word, 16), 3), 20) + 1
        floors.append(floor)
        extra.append(max(min(mean, 120.0) - floor, 0.0))
    room = max(TABLE_CHARS - sum(floors), 0.0)
    spare = sum(extra)
    # Room goes to the columns whose text wraps, as far as they need it; the rest (if any)
    # spreads over all columns as they are scaled to the full width.
    widths = [
        f + (min(room * e / spare, e) if spare else 0.0) for f, e in zip(floors, extra, strict=True)
    ]
    total = sum(widths)
    return [max(1, round(100 * w / total)) for w in widths]


def _img_tag(doc: QTextDocument, name: str, image: QImage, width_px: float) -> str:
    """Register `image` under `name` and return the <img> that shows it `width_px` wide (CSS
    pixels), keeping its aspect ratio."""
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    height_px = width_px * image.height() / max(image.width(), 1)
    return f"<img src='{name}' width='{width_px:.0f}' height='{height_px:.0f}'>"


def build_document(
    device: QPaintDevice,
    title: str,
    client: str,
    sections: Sequence[Section],
    images: Sequence[tuple[str, QImage]] = (),
) -> QTextDocument:
    """The report as a QTextDocument laid out for `device` (fonts and images at its dpi)."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(BODY_PT)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(CSS)
    doc.setDocumentMargin(0)
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    scale = device.logicalDpiX() / CSS_DPI
    out = [f"<h1>{escape(title)}</h1>"]
    if client:
        out.append(f"<p class='client'>Prepared for {escape(client)}.</p>")
    n = 0
    for sec in sections:
        out.append(f"<h2>{escape(sec.title)}</h2>")
        out += [f"<p>{escape(p)}</p>" for p in sec.paragraphs]
        for headers, rows in sec.tables:
            out.append(
                "<table border='1' cellspacing='0' cellpadding='4' width='100%'><thead><tr>"
                + "".join(
                    f"<th width='{w}%'>{escape(h)}</th>"
                    for h, w in zip(headers, _column_widths(headers, rows), strict=False)
                )
                + "</tr></thead>"
            )
            out += [
                "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                for row in rows
            ]
            out.append("</table>")
        for svg in sec.charts:
            image = _svg_image(svg, scale)
            if image is None:
                continue
            n += 1
            width = image.width() / scale
            out.append(f"<p>{_img_tag(doc, f'chart-{n}.png', image, width)}</p>")
    if images:
        out.append("<h2 style='page-break-before:always'>Charts</h2>")
        for i, (name, image) in enumerate(images, 1):
            if image.isNull():
                continue
            # The width of the text, or less: a grab is never blown up past 1.5x its size,
            width = min(CONTENT_WIDTH_PX, image.width() * 1.5)
            # nor made taller than most of a page.
            width = min(width, 820 * image.width() / max(image.height(), 1))
            out.append(f"<h3>{escape(name)}</h3>")
            out.append(f"<p>{_img_tag(doc, f'extra-{i}.png', image, width)}</p>")
    doc.setHtml("\n".join(out))
    return doc


def _keep_headings_with_next(doc: QTextDocument) -> None:
    """Start a heading on a new page when what follows it (a paragraph, table or chart) starts
    on the next page: no heading is left alone at the foot of a page."""
    layout = doc.documentLayout()
    page_h = doc.pageSize().height()
    block = doc.begin()
    while block.isValid():
        nxt = block.next()
        if block.blockFormat().headingLevel() > 0 and nxt.isValid():
            top = layout.blockBoundingRect(block).top()
            after = layout.blockBoundingRect(nxt).top()
            if int(after // page_h) > int(top // page_h) and top % page_h > 0.05 * page_h:
                fmt = block.blockFormat()
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                QTextCursor(block).setBlockFormat(fmt)
        block = nxt


def _footer_font(device: QPaintDevice) -> QFont:
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(FOOTER_PT)
    return QFont(font, device)


def _paint_pages(
    painter: QPainter,
    doc: QTextDocument,
    area: QRectF,
    title: str,
    new_page: Callable[[int], None],
) -> int:
    """Paint every page of `doc` inside `area` (device pixels) with a footer; `new_page(i)` is
    called before page i > 0. Returns the number of pages."""
    device = painter.device()
    font = _footer_font(device)
    line_h = QFontMetricsF(font, device).height()
    footer_h = 2.2 * line_h
    body = QSizeF(area.width(), area.height() - footer_h)
    doc.setPageSize(body)
    _keep_headings_with_next(doc)
    pages = max(1, doc.pageCount())
    ctx = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette()
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        palette.setColor(role, INK)
    ctx.palette = palette
    for i in range(pages):
        if i:
            new_page(i)
        painter.save()
        painter.translate(area.left(), area.top() - i * body.height())
        clip = QRectF(0, i * body.height(), body.width(), body.height())
        ctx.clip = clip
        painter.setClipRect(clip)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
        top = area.top() + area.height() - footer_h + 0.8 * line_h
        painter.save()
        pen = QPen(QColor("#b0b0b0"))
        pen.setWidthF(max(1.0, device.logicalDpiY() / 150))
        painter.setPen(pen)
        painter.drawLine(QPointF(area.left(), top), QPointF(area.right(), top))
        painter.setPen(MUTED)
        painter.setFont(font)
        text = QRectF(area.left(), top + 0.3 * line_h, area.width(), line_h * 1.2)
        number = f"Page {i + 1} of {pages}"
        number_w = painter.fontMetrics().horizontalAdvance(number) + line_h
        left = QRectF(text.left(), text.top(), text.width() - number_w, text.height())
        flags = Qt.AlignmentFlag.AlignVCenter
        elided = painter.fontMetrics().elidedText(
            title, Qt.TextElideMode.ElideRight, int(left.width())
        )
        painter.drawText(left, int(flags | Qt.AlignmentFlag.AlignLeft), elided)
        painter.drawText(text, int(flags | Qt.AlignmentFlag.AlignRight), number)
        painter.restore()
    return pages


def _pdf_bytes(
    title: str,
    client: str,
    sections: Sequence[Section],
    images: Sequence[tuple[str, QImage]],
) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(title)
    writer.setCreator(CREATOR)
    doc = build_document(writer, title, client, sections, images)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError("cannot start the PDF")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        area = QRectF(0, 0, writer.width(), writer.height())

        def new_page(_: int) -> None:
            writer.newPage()

        _paint_pages(painter, doc, area, title, new_page)
    finally:
        painter.end()
    data = bytes(buffer.data().data())
    buffer.close()
    return data


def write_pdf(
    path: Path,
    title: str,
    client: str,
    sections: Sequence[Section],
    images: Sequence[tuple[str, QImage]] = (),
) -> None:
    """Write the report to `path` as an A4 PDF (atomically: a temp file, then a rename).
    `images` are extra named pictures (e.g. grabs of the app's plots), in a "Charts" section.
    Raises OSError when the file cannot be written."""
    atomic_write_bytes(Path(path), _pdf_bytes(title, client, sections, images))


def page_images(
    title: str,
    client: str,
    sections: Sequence[Section],
    images: Sequence[tuple[str, QImage]] = (),
    dpi: int = 100,
) -> list[QImage]:
    """The pages of the PDF `write_pdf` makes, as white A4 images at `dpi` (a preview)."""
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )
    full = layout.fullRectPixels(dpi)
    paint = layout.paintRectPixels(dpi)
    dots_per_metre = round(dpi / 0.0254)

    def blank() -> QImage:
        image = QImage(full.width(), full.height(), QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        image.fill(QColor("white"))
        return image

    pages = [blank()]
    doc = build_document(pages[0], title, client, sections, images)
    painter = QPainter(pages[0])

    def new_page(_: int) -> None:
        painter.end()
        pages.append(blank())
        painter.begin(pages[-1])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint_pages(painter, doc, QRectF(paint), title, new_page)
    painter.end()
    return pages
