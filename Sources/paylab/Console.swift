import Foundation

/// The terminal: colour and a progress line only when it is one.
struct Console {
    /// Where the text goes: standard output, or standard error when a report takes standard output.
    let toStandardError: Bool
    /// Whether that is a terminal and NO_COLOR (no-color.org) is not set to anything: colour on.
    let colour: Bool

    init(toStandardError: Bool = false) {
        self.toStandardError = toStandardError
        colour = isatty(toStandardError ? STDERR_FILENO : STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }
    /// Whether standard error is a terminal (progress line on).
    let interactive = isatty(STDERR_FILENO) == 1

    /// Shows what runs now on one line of standard error, overwritten by the next.
    func progress(_ text: String) {
        guard interactive else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + String(text.prefix(100))).utf8))
    }

    /// Prints a line, clearing the progress line first.
    func print(_ text: String) {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        if toStandardError { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { Swift.print(text) }
    }
}
