import Foundation

/// The issuer host PayLab did not write (Tests/Interop/issuer_host.py: pyiso8583 over
/// Python's `ssl`), running with a card file until the value is dropped (or for at most
/// five minutes).
public final class IssuerHost {
    private let process: ChildProcess
    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    /// Starts the host with these cards (the JSON `paylab certify issuer --cards` prints) and
    /// further arguments; throws when it does not say `port N` within 30 s.
    public init(cardsJSON: String, arguments: [String]) throws {
        let cards = NSTemporaryDirectory() + "paylab-cards-\(UUID().uuidString).json"
        try Data(cardsJSON.utf8).write(to: URL(fileURLWithPath: cards))
        process = try ChildProcess(["python3", "Tests/Interop/issuer_host.py", "--cards", cards] + arguments, deadline: .seconds(300))
        let said = process.firstLine(timeout: .seconds(30)) ?? ""
        guard said.hasPrefix("port "), let port = Int(said.dropFirst(5)) else {
            process.terminate()
            throw ExternalTool.Failure(description: "issuer_host.py did not start (said '\(said)'; it needs python3 with pyiso8583)")
        }
        self.port = port
    }

    deinit {
        process.terminate()
    }
}
