public import Foundation
public import NIOSSL
import NIOCore
public import X509
import SwiftASN1

/// Checks a system under test's certificate against the CA the link names, and says in
/// words what is wrong: expired (or not yet valid), signed by an unknown CA, or issued to
/// another name. BoringSSL's own verdict is one word ("certificate verify failed"); a
/// provider fixing its host needs the reason.
public struct PeerVerifier: Sendable {
    /// The CAs the SUT's certificate must chain to, and where they came from (for messages).
    public var roots: [Certificate]
    public var rootsSource: String
    /// The name PayLab dialled (a server's check), or nil (a client's certificate: no name to check).
    public var expectedHost: String?

    public init(roots: [Certificate], rootsSource: String, expectedHost: String?) {
        self.roots = roots
        self.rootsSource = rootsSource
        self.expectedHost = expectedHost
    }

    /// Reads the CA certificates of a PEM file.
    public static func certificates(pemFile path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw WireError(message: "cannot read the CA file \(path)")
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw WireError(message: "\(path) holds no PEM certificate: \(error)")
        }
        let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }.compactMap { try? Certificate(pemDocument: $0) }
        guard !certificates.isEmpty else { throw WireError(message: "\(path) holds no PEM certificate") }
        return certificates
    }

    /// What is wrong with a presented chain (leaf first) at `now`, or nil when it is good.
    public func problem(with chain: [Certificate], now: Date = Date()) async -> String? {
        guard let leaf = chain.first else { return "the peer presented no certificate" }
        let subject = Self.describe(leaf.subject)
        if leaf.notValidAfter < now {
            return "certificate '\(subject)' expired on \(Self.day(leaf.notValidAfter))"
        }
        if leaf.notValidBefore > now {
            return "certificate '\(subject)' is not valid until \(Self.day(leaf.notValidBefore))"
        }
        let intermediates = Array(chain.dropFirst())
        let signers = roots + intermediates
        if !signers.contains(where: { $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf) }) {
            return "unknown CA: certificate '\(subject)' is issued by '\(Self.describe(leaf.issuer))', which \(rootsSource) does not hold"
        }
        if let host = expectedHost, !Self.names(leaf).contains(where: { Self.matches($0, host) }) {
            let names = Self.names(leaf)
            return "wrong name: certificate '\(subject)' names \(names.isEmpty ? "nothing" : names.joined(separator: ", ")), not \(host)"
        }
        // The full RFC 5280 check, for what the plain reasons above do not cover.
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
            if let host = expectedHost {
                ServerIdentityPolicy(serverHostname: Self.isIP(host) ? nil : host, serverIP: Self.isIP(host) ? host : nil)
            }
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate: return nil
        case .couldNotValidate(let failures):
            let reasons = failures.map { "\($0.policyFailureReason)" }
            return "certificate '\(subject)' rejected: \(reasons.first ?? "no chain to \(rootsSource)")"
        }
    }

    /// A NIOSSL verification callback that runs ``problem(with:now:)`` and reports it through `report`.
    public func callback(report: @escaping @Sendable (String) -> Void) -> NIOSSLCustomVerificationCallback {
        let verifier = self
        return { presented, promise in
            let chain = presented.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
            Task {
                if let problem = await verifier.problem(with: chain) {
                    report(problem)
                    promise.succeed(.failed)
                } else {
                    promise.succeed(.certificateVerified)
                }
            }
        }
    }

    static func names(_ certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let dns): return dns
            case .ipAddress(let octets):
                let bytes = Array(octets.bytes)
                guard bytes.count == 4 || bytes.count == 16 else { return nil }
                return (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: 0))?.ipAddress
            default: return nil
            }
        }
    }

    static func matches(_ name: String, _ host: String) -> Bool {
        let name = name.lowercased(), host = host.lowercased()
        if name == host { return true }
        if name.hasPrefix("*."), let dot = host.firstIndex(of: ".") { return host[dot...] == name.dropFirst() }
        return false
    }

    static func isIP(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func describe(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName { return String(describing: attribute.value) }
        }
        return String(describing: name)
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
