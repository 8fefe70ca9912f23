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
        // Read to the end: String(contentsOfFile:) stops at a /proc file's first page (4 KB),
        // and with a load test's connections open the listener may be listed past it.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp"), let data = try? file.readToEnd(),
              let table = String(data: data, encoding: .utf8) else { return false }
        try? file.close()
        let local = String(format: ":%04X", port)
        // Columns: sl, local_address (hex IP:port), rem_address, st (0A is LISTEN), ...
        return table.split(separator: "\n").dropFirst().contains { line in
            let columns = line.split(separator: " ")
            return columns.count > 3 && columns[1].hasSuffix(local) && columns[3] == "0A"
        }
    }

    /// A TCP port of 127.0.0.1 that nothing holds, below the kernel's range for outgoing
    /// connections (32768 and up on Linux), so no connection of another test can take it between
    /// this check and the listener's bind; chosen at random, so parallel tests do not pick alike.
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(candidate).bigEndian
            let length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            if bound == 0 { return candidate }
        }
        throw ExternalTool.Failure(description: "no free port between 20000 and 32000")
    }
}
