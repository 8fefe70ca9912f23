import Foundation

/// The issuer host PayLab did not write (Tests/Interop/issuer_host.py: pyiso8583 over
/// Python's `ssl`), running with a card file until the value is dropped.
public final class IssuerHost {
    private let process = Process()
    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    /// Starts the host with these cards (the JSON `paylab certify issuer --cards` prints) and
    /// further arguments; throws when it does not say `port N`.
    public init(cardsJSON: String, arguments: [String]) throws {
        let cards = NSTemporaryDirectory() + "paylab-cards-\(UUID().uuidString).json"
        try Data(cardsJSON.utf8).write(to: URL(fileURLWithPath: cards))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Tests/Interop/issuer_host.py", "--cards", cards] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ExternalTool.Failure(description: "issuer_host.py did not start (said '\(text)'; it needs python3 with pyiso8583)")
        }
        self.port = port
    }

    deinit {
        // SIGKILL: the test process's threads block SIGTERM, and a child inherits that mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
