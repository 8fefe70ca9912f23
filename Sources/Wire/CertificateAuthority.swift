public import Crypto
import Foundation
public import NIOSSL
import SwiftASN1
import Synchronization
public import X509

/// The certificate authority of one run: made in-process (ECDSA P-256), it issues each
/// node a certificate naming it, for TLS 1.3 with mutual authentication.
///
/// Certificate validity is real time (TLS libraries check it against the system clock),
/// so it is the one place where PayLab reads the wall clock; business time never is.
public struct CertificateAuthority: Sendable {
    /// A node's certificate and key, for TLS and for export as PEM.
    public struct Identity: Sendable {
        /// The node's name (the certificate's common name).
        public var name: String
        /// The DNS name in the certificate, which clients check.
        public var hostname: String
        /// The certificate.
        public var certificate: Certificate
        /// The private key.
        public var privateKey: P256.Signing.PrivateKey

        /// The certificate as PEM.
        public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }
        /// The private key as PEM (PKCS#8).
        public var privateKeyPEM: String { privateKey.pemRepresentation }
        /// The private key for NIOSSL.
        func nioKey() throws -> NIOSSLPrivateKey { try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem) }
    }

    /// The CA's own certificate.
    public let certificate: Certificate
    private let privateKey: P256.Signing.PrivateKey
    private let name: DistinguishedName

    /// Makes a new CA with a fresh key, valid from an hour ago for `days`.
    public init(commonName: String = "PayLab run CA", days: Int = 2) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("PayLab")
            CommonName(commonName)
        }
        let now = Date()
        certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86400 * Double(days)),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key)
        )
        privateKey = key
        self.name = name
    }

    /// A CA read back from its PEM certificate and PKCS#8 (or SEC1) private key, as `pki init` writes them.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey else {
            throw WireError(message: "the CA's private key does not belong to its certificate")
        }
        guard let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints else {
            throw WireError(message: "the certificate is not a CA's (its basic constraints do not allow signing certificates)")
        }
        self.certificate = certificate
        privateKey = key
        name = certificate.subject
    }

    /// The private key as PEM (PKCS#8), for `pki init` to keep.
    public var privateKeyPEM: String { privateKey.pemRepresentation }

    /// The CA certificate as PEM, for an external system to trust.
    public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }

    /// The DNS name a node's certificate carries: its name made a host label under `paylab.test`.
    public static func hostname(for node: String) -> String {
        var label = ""
        for scalar in node.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) { label.unicodeScalars.append(scalar) } else if !label.hasSuffix("-") { label += "-" }
        }
        label = label.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return (label.isEmpty ? "node" : String(label.prefix(63))) + ".paylab.test"
    }

    /// The names a certificate for a host on this machine carries: `localhost`, 127.0.0.1 and ::1.
    public static let loopbackNames: [GeneralName] = [
        .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
        .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
    ]

    /// Issues a node a certificate for both server and client authentication, naming the
    /// node's host name; `loopback` adds the loopback names, for the certificate a node shows a
    /// system under test (which dials 127.0.0.1 and checks that name). PayLab's own links use
    /// the node's name alone, so no node can answer for another.
    public func issue(for node: String, loopback: Bool = false) throws -> Identity {
        let hostname = Self.hostname(for: node)
        return try issue(for: node, hostname: hostname, names: [.dnsName(hostname)] + (loopback ? Self.loopbackNames : []), days: 1)
    }

    /// Issues a certificate with a common name and subject alternative names, valid for `days`.
    public func issue(for commonName: String, hostname: String, names: [GeneralName], days: Int) throws -> Identity {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("PayLab")
            CommonName(commonName)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86400 * Double(days)),
            issuer: name,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(privateKey)
        )
        return Identity(name: commonName, hostname: hostname, certificate: certificate, privateKey: key)
    }

    /// The TLS 1.3 server context of a node: it requires a client certificate from this CA.
    public func serverContext(for identity: Identity, keyLog: NIOSSLKeyLogCallback? = nil) throws -> NIOSSLContext {
        // Clients are identified by their certificate's name, not a host name.
        try context(.makeServerConfiguration(certificateChain: [], privateKey: .privateKey(identity.nioKey())),
                    for: identity, verification: .noHostnameVerification, keyLog: keyLog)
    }

    /// The TLS 1.3 client context of a node: it presents its certificate and checks the server's.
    public func clientContext(for identity: Identity, keyLog: NIOSSLKeyLogCallback? = nil) throws -> NIOSSLContext {
        try context(.makeClientConfiguration(), for: identity, verification: .fullVerification, keyLog: keyLog)
    }

    /// TLS 1.3 only, the node's certificate and key, trusting this CA alone.
    private func context(_ base: TLSConfiguration, for identity: Identity, verification: CertificateVerification, keyLog: NIOSSLKeyLogCallback?) throws -> NIOSSLContext {
        var configuration = base
        configuration.certificateChain = [.certificate(try Self.nioCertificate(identity.certificate))]
        configuration.privateKey = .privateKey(try identity.nioKey())
        configuration.minimumTLSVersion = .tlsv13
        configuration.maximumTLSVersion = .tlsv13
        // ECDHE over X25519, as payment hosts' TLS 1.3 runs it. The library's default offers a
        // post-quantum hybrid (X25519 with ML-KEM-768) first, which cost a third of an
        // exploration's time in key shares on PayLab's own loopback links.
        configuration.curves = [.x25519]
        configuration.trustRoots = .certificates([try Self.nioCertificate(certificate)])
        configuration.certificateVerification = verification
        configuration.keyLogCallback = keyLog
        return try NIOSSLContext(configuration: configuration)
    }

    static func nioCertificate(_ certificate: Certificate) throws -> NIOSSLCertificate {
        try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem)
    }

    /// The common name of a peer's certificate, or nil when it has none.
    public static func commonName(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        // Every connection of a run presents one of a few certificates: each is parsed once.
        if let known = commonNames.withLock({ $0[der] }) { return known }
        guard let parsed = try? Certificate(derEncoded: der) else { return nil }
        let name = parsed.subject.lazy.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.flatMap { String($0.value) }
        commonNames.withLock { names in
            // A system under test may present any number of certificates: the cache stays small.
            if names.count >= 256 { names.removeAll() }
            names[der] = name
        }
        return name
    }

    /// Names read from certificates, by their DER bytes (nil: the certificate names nobody).
    private static let commonNames = Mutex<[[UInt8]: String?]>([:])
}
