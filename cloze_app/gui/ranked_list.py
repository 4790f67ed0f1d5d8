"""A ranked list of words with probabilities: the model, the bar delegate and the view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

ScoreRole = Qt.ItemDataRole.UserRole + 1
RankRole = Qt.ItemDataRole.UserRole + 2
BarRole = Qt.ItemDataRole.UserRole + 3  # 0–1: the bar's length, relative to the top word
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class RankedWord:
    """One row: a word and its probability (0–1)."""

    word: str
    score: float


def percent(score: float) -> str:
    """A probability as the user reads it: ``42 %``, ``3.1 %``, ``<0.1 %``."""
    value = score * 100
    if value >= 10:
        return f"{value:.0f} %"
    if value >= 0.1:
        return f"{value:.1f} %"
    return "<0.1 %"


class RankedWordsModel(QAbstractListModel):
    """Rows of :class:`RankedWord`, best first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RankedWord] = []

    def set_rows(self, rows: Sequence[RankedWord]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[RankedWord]:
        """The rows shown now."""
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return row.word
        if role == ScoreRole:
            return row.score
        if role == RankRole:
            return index.row() + 1
        if role == BarRole:
            top = max((r.score for r in self._rows), default=0.0)
            return row.score / top if top > 0 else 0.0
        if role == Qt.ItemDataRole.ToolTipRole:
            key = f" (Alt+{index.row() + 1})" if index.row() < 9 else ""
            return f"{row.word}: probability {percent(row.score)}{key}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{index.row() + 1}. {row.word}, {percent(row.score)}"
        return None


class RankedWordDelegate(QStyledItemDelegate):
    """Paints ``1  word  ███░░  42 %``: the Alt-number, the word, a bar and the percentage.

    The bar is relative to the top word (full for the first), so differences stay visible when
    a model spreads its probability thinly; the number is the probability itself.
    """

    BAR_WIDTH = 72

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802
        height = option.fontMetrics.height()  # type: ignore[attr-defined]
        return QSize(200, int(height * 1.7))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        word, opt.text = opt.text, ""  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        palette: QPalette = opt.palette  # type: ignore[attr-defined]
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect: QRect = opt.rect.adjusted(6, 0, -6, 0)  # type: ignore[attr-defined]
        metrics = opt.fontMetrics  # type: ignore[attr-defined]
        score = float(index.data(ScoreRole) or 0.0)
        bar = float(index.data(BarRole) or 0.0)
        rank = int(index.data(RankRole) or 0)
        painter.save()
        number_width = metrics.horizontalAdvance("9") + 10
        if rank <= 9:
            muted = QColor(palette.color(text_role))
            muted.setAlpha(140)
            painter.setPen(muted)
            painter.drawText(
                QRect(rect.left(), rect.top(), number_width, rect.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                str(rank),
            )
        percent_text = percent(score)
        percent_width = metrics.horizontalAdvance("100 %") + 6
        bar_width = min(self.BAR_WIDTH, max(rect.width() // 4, 24))
        right = rect.right()
        percent_rect = QRect(right - percent_width, rect.top(), percent_width, rect.height())
        bar_height = max(metrics.height() // 2, 6)
        bar_rect = QRect(
            percent_rect.left() - bar_width - 6, rect.center().y() - bar_height // 2, bar_width, bar_height
        )
        track = QColor(palette.color(text_role))
        track.setAlpha(40)
        painter.fillRect(bar_rect, track)
        filled = QRect(bar_rect)
        filled.setWidth(max(1, round(bar_width * min(max(bar, 0.0), 1.0))))
        fill = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight)
        painter.fillRect(filled, fill)
        painter.setPen(palette.color(text_role))
        painter.drawText(
            percent_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, percent_text
        )
        word_rect = QRect(
            rect.left() + number_width,
            rect.top(),
            bar_rect.left() - rect.left() - number_width - 6,
            rect.height(),
        )
        elided = metrics.elidedText(word, Qt.TextElideMode.ElideRight, word_rect.width())
        painter.drawText(word_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
        painter.restore()


class RankedWordsView(QListView):
    """The list the user picks from: click or Enter chooses, hovering previews.

    Signals:
        word_chosen(str): clicked, or Enter pressed on a row.
        word_previewed(str): the mouse is over a row or the keyboard moved to one ("" on leave).
        escape_pressed(): Esc, to go back to the text.
    """

    word_chosen = Signal(str)
    word_previewed = Signal(str)
    escape_pressed = Signal()

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words = RankedWordsModel(self)
        self.setModel(self.words)
        self.setItemDelegate(RankedWordDelegate(self))
        self.setAccessibleName(accessible_name)
        self.setMouseTracking(True)
        self.setUniformItemSizes(True)
        self.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.entered.connect(self._preview)
        self.clicked.connect(self._choose)
        self.selectionModel().currentChanged.connect(lambda current, _old: self._preview(current))

    def set_rows(self, rows: Sequence[RankedWord]) -> None:
        """Show new rows; the same rows again keep the current row (and the preview)."""
        if list(rows) != self.words.rows():
            self.words.set_rows(rows)

    def word_at(self, row: int) -> str | None:
        """The word in ``row`` (0-based), if there is one."""
        rows = self.words.rows()
        return rows[row].word if 0 <= row < len(rows) else None

    def _preview(self, index: QModelIndex) -> None:
        word = index.data() if index.isValid() else ""
        self.word_previewed.emit(str(word or ""))

    def _choose(self, index: QModelIndex) -> None:
        if index.isValid():
            self.word_chosen.emit(str(index.data()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._choose(self.currentIndex())
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        super().keyPressEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.word_previewed.emit("")
        super().leaveEvent(event)  # type: ignore[arg-type]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if not self.indexAt(event.position().toPoint()).isValid():
            self.word_previewed.emit("")
        super().mouseMoveEvent(event)
