import Foundation

/// Runs the programs PayLab is checked against (tshark, python3 with pyiso8583 or
/// junitparser, setpriv) and returns what they print.
public enum ExternalTool {
    /// A program that could not run or failed, with what it said and how to install it.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `arguments` through `/usr/bin/env` and returns its standard output; throws
    /// with its standard error when it exits non-zero.
    public static func run(_ arguments: [String], hint: String = "") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read standard error on another thread so a chatty tool cannot fill its pipe and stall.
        let errorData = LockedData()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.done { usleep(1000) }
        guard process.terminationStatus == 0 else {
            let said = String(decoding: errorData.data, as: UTF8.self)
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(said)\(hint.isEmpty ? "" : " (\(hint))")")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Data()
    private var finished = false

    func set(_ data: Data) {
        lock.lock()
        value = data
        finished = true
        lock.unlock()
    }

    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    var data: Data { lock.lock(); defer { lock.unlock() }; return value }
}
