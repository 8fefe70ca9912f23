import Foundation

/// Whether something listens on a TCP port of 127.0.0.1, read from the kernel's socket
/// table (/proc/net/tcp) without connecting, so the listener never sees a stray connection.
public enum Listening {
    /// True once a socket listens on `port`; false if none does within `timeout`.
    public static func wait(port: Int, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isListening(port: port) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return isListening(port: port)
    }

    static func isListening(port: Int) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
        let local = String(format: ":%04X", port)
        // Columns: sl, local_address (hex IP:port), rem_address, st (0A is LISTEN), ...
        return table.split(separator: "\n").dropFirst().contains { line in
            let columns = line.split(separator: " ")
            return columns.count > 3 && columns[1].hasSuffix(local) && columns[3] == "0A"
        }
    }
}
