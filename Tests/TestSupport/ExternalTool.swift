import Foundation

/// Runs the programs PayLab is checked against (tshark, python3 with pyiso8583 or
/// junitparser, openssl, chromium) and returns what they print.
public enum ExternalTool {
    /// A program that could not run or failed, with what it said and how to install it.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `arguments` through `/usr/bin/env` and returns its standard output; throws
    /// with its standard error when it exits non-zero or is still running after `deadline`
    /// (then it is killed).
    public static func run(_ arguments: [String], hint: String = "", deadline: Duration = .seconds(60)) async throws -> String {
        try check(await ChildProcess(arguments, deadline: deadline).result(), arguments, hint)
    }

    /// `run` for a caller that cannot suspend (a static initializer): blocks this thread
    /// until the program ends, at most `deadline`. Only for programs that need nothing from
    /// this process, such as openssl making certificates.
    public static func runBlocking(_ arguments: [String], hint: String = "", deadline: Duration = .seconds(60)) throws -> String {
        try check(ChildProcess(arguments, deadline: deadline).resultBlocking(), arguments, hint)
    }

    private static func check(_ result: ChildProcess.Result, _ arguments: [String], _ hint: String) throws -> String {
        guard result.exit.status == 0, !result.exit.timedOut else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (\(result.exit)): \(result.errors)\(hint.isEmpty ? "" : " (\(hint))")")
        }
        return result.output
    }
}

/// Runs a tool PayLab is checked against, saying where CI gets it when it is missing.
public func runTool(_ arguments: [String]) async throws -> String {
    try await ExternalTool.run(arguments, hint: "CI installs tshark, chromium, setpriv, pyiso8583, junitparser and the other oracles in .ci/run")
}
