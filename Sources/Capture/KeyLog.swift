import Foundation
import NIOConcurrencyHelpers
import NIOCore
public import NIOSSL

/// Collects the TLS session secrets of a run in the NSS key log format, so Wireshark can
/// decrypt a capture of it.
public final class KeyLog: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    /// Makes an empty key log.
    public init() {}

    /// The callback to give NIOSSL.
    public var callback: NIOSSLKeyLogCallback {
        { [lines] buffer in
            let line = String(buffer: buffer).trimmingCharacters(in: .newlines)
            lines.withLockedValue { $0.append(line) }
        }
    }

    /// The lines so far.
    public var text: String { lines.withLockedValue { $0.map { $0 + "\n" }.joined() } }

    /// How many secrets were logged.
    public var count: Int { lines.withLockedValue { $0.count } }

    /// Writes the log to a file.
    public func write(to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
