"""A cursor over a file's lines that knows where it is, for parse errors that name the right line."""


class LineReader:
    def __init__(self, text, *, error):
        self.lines = text.split("\n")
        # Text ending in "\n" splits into a last empty string that is no line of its own.
        self.unterminated = self.lines[-1] != ""
        if not self.unterminated:
            self.lines.pop()
        self.index = 0  # of the next line to read
        self.last = None
        self.context = None  # (rank, heading line) while inside an entry
        self._error = error

    @property
    def line_number(self):
        """The 1-based number of the next line to read."""
        return self.index + 1

    def error(self, message, *, line=None):
        """An error at `line`, by default the line read last."""
        return self._error(message, line if line is not None else max(self.index, 1))

    def at_end(self):
        return self.index >= len(self.lines)

    def peek(self, ahead=0):
        index = self.index + ahead
        return self.lines[index] if index < len(self.lines) else None

    def next(self, what):
        """The next line; at the end of the file, an error saying what was expected there."""
        if self.at_end():
            if self.context is not None:
                rank, heading_line = self.context
                raise self.error(
                    f"entry {rank} is truncated: the file ends where {what} was expected", line=heading_line
                )
            raise self.error(f"the file ends where {what} was expected", line=max(len(self.lines), 1))
        self.last = self.lines[self.index]
        self.index += 1
        return self.last

    def expect_blank(self, where):
        line = self.next(f"a blank line {where}")
        if line:
            shown = line if len(line) <= 60 else line[:59] + "…"
            raise self.error(f"expected a blank line {where}, found {shown!r}")

    def find(self, text):
        """Index of the first line from here on equal to `text`, or None."""
        return next((i for i in range(self.index, len(self.lines)) if self.lines[i] == text), None)

    def find_match(self, pattern):
        """Index of the first line from here on that `pattern` matches at its start, or None."""
        return next((i for i in range(self.index, len(self.lines)) if pattern.match(self.lines[i])), None)
