import Foundation
import X509

/// A folder of certificates that outlives a run, so a system under test configured once to
/// trust `ca.pem` trusts every run: `paylab pki init DIR` writes it, `--pki DIR` uses it.
///
/// `ca.pem`, `ca-key.pem`: the CA. `sut.pem`, `sut-key.pem`: a certificate for a SUT that
/// has no CA of its own, naming `localhost`, 127.0.0.1 and ::1. All PEM, ECDSA P-256;
/// private keys readable by their owner only.
public struct PKI: Sendable {
    /// The folder.
    public let directory: String

    /// The CA certificate, the CA key, the SUT certificate and the SUT key.
    public var caPath: String { path("ca.pem") }
    public var caKeyPath: String { path("ca-key.pem") }
    public var sutPath: String { path("sut.pem") }
    public var sutKeyPath: String { path("sut-key.pem") }

    public init(directory: String) {
        self.directory = directory
    }

    private func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

    /// Writes a new CA (valid ten years) and a SUT certificate (valid two years); refuses
    /// when the folder already has a CA, so a CA that SUTs trust is never replaced by mistake.
    public func initialize() throws -> [String] {
        let files = FileManager.default
        if files.fileExists(atPath: caPath) || files.fileExists(atPath: caKeyPath) {
            throw WireError(message: "\(directory) already has a CA (ca.pem); pki init never overwrites one (delete it first to start over)")
        }
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let authority = try CertificateAuthority(commonName: "PayLab CA", days: 3650)
        let sut = try authority.issue(for: "PayLab SUT", hostname: "localhost", names: CertificateAuthority.loopbackNames, days: 730)
        try write(authority.certificatePEM(), to: caPath, secret: false)
        try write(authority.privateKeyPEM, to: caKeyPath, secret: true)
        try write(sut.certificatePEM(), to: sutPath, secret: false)
        try write(sut.privateKeyPEM, to: sutKeyPath, secret: true)
        return [caPath, caKeyPath, sutPath, sutKeyPath]
    }

    /// The CA the folder holds.
    public func authority() throws -> CertificateAuthority {
        let certificate = try read(caPath)
        let key = try read(caKeyPath)
        do {
            return try CertificateAuthority(certificatePEM: certificate, privateKeyPEM: key)
        } catch {
            throw WireError(message: "\(directory): ca.pem and ca-key.pem are not a usable CA: \(error)")
        }
    }

    private func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw WireError(message: "cannot read \(path) (run `paylab pki init \(directory)` to make the folder)")
        }
        return text
    }

    private func write(_ text: String, to path: String, secret: Bool) throws {
        // A key is created with mode 0600 at once, never readable by others even for a moment.
        let mode: mode_t = secret ? 0o600 : 0o644
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw WireError(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw WireError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
