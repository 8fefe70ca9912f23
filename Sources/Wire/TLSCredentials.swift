public import NIOSSL
import Synchronization

/// The TLS material of a network: its CA, each node's identity, and each node's server and
/// client contexts, made once and kept. Runs that share it skip key generation and context
/// set-up (the costly part of a short run); they share no connection and no state.
///
/// A run with a key log (a capture) makes its own, so its secrets are logged.
public final class TLSCredentials: Sendable {
    /// The CA every identity comes from.
    public let authority: CertificateAuthority
    /// Where every session's secrets go, when a capture wants them.
    let keyLog: NIOSSLKeyLogCallback?
    private let cache = Mutex<[String: Entry]>([:])

    private struct Entry: @unchecked Sendable {
        // NIOSSLContext is immutable once made and safe to share between connections.
        var identity: CertificateAuthority.Identity
        var server: NIOSSLContext?
        var client: NIOSSLContext?
    }

    /// Credentials from a CA; `keyLog`, when given, receives every session's secrets.
    public init(authority: CertificateAuthority, keyLog: NIOSSLKeyLogCallback? = nil) {
        self.authority = authority
        self.keyLog = keyLog
    }

    /// The identity of a node, issued on first use.
    public func identity(of node: String) throws -> CertificateAuthority.Identity {
        try entry(node).identity
    }

    /// The server context of a node.
    public func serverContext(of node: String) throws -> NIOSSLContext {
        if let context = cache.withLock({ $0[node]?.server }) { return context }
        let context = try authority.serverContext(for: identity(of: node), keyLog: keyLog)
        cache.withLock { $0[node]?.server = context }
        return context
    }

    /// The client context of a node.
    public func clientContext(of node: String) throws -> NIOSSLContext {
        if let context = cache.withLock({ $0[node]?.client }) { return context }
        let context = try authority.clientContext(for: identity(of: node), keyLog: keyLog)
        cache.withLock { $0[node]?.client = context }
        return context
    }

    /// The identity a node shows systems under test: its name and the loopback names.
    public func externalIdentity(of node: String) throws -> CertificateAuthority.Identity {
        try entry(node, loopback: true).identity
    }

    private func entry(_ node: String, loopback: Bool = false) throws -> Entry {
        let key = loopback ? "\u{0}sut \(node)" : node
        if let entry = cache.withLock({ $0[key] }) { return entry }
        let identity = try authority.issue(for: node, loopback: loopback)
        return cache.withLock { cache in
            if let entry = cache[key] { return entry }
            let entry = Entry(identity: identity)
            cache[key] = entry
            return entry
        }
    }
}
