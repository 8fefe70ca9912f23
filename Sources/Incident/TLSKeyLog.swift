import Crypto
import Foundation
import ISO8583
import RunCore

/// Decrypts the TLS 1.3 records of one connection with the secrets of an NSS key log (the
/// format PayLab's `keys.log`, Firefox, curl and most TLS stacks write with SSLKEYLOGFILE):
/// the client random from the ClientHello picks the secrets, the ServerHello the cipher suite
/// (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305), and each direction uses its handshake keys
/// until its Finished, then its application keys (RFC 8446, 7.1 and 5.2).
struct TLSKeyLog {
    /// Secrets by client random (hex), then label (`CLIENT_TRAFFIC_SECRET_0` ...).
    private var secrets: [String: [String: [UInt8]]] = [:]

    /// Reads a key log; lines it does not know are skipped.
    init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let secret = Hex.bytes(parts[2]) else { continue }
            secrets[parts[1].lowercased(), default: [:]][String(parts[0])] = secret
        }
    }

    var isEmpty: Bool { secrets.isEmpty }

    func secret(_ label: String, random: [UInt8]) -> [UInt8]? {
        secrets[Hex.string(random)]?[label]
    }

    /// One direction of a TLS connection, turning records into application bytes.
    struct Direction {
        enum Failure: Error, CustomStringConvertible {
            case problem(String)
            var description: String { if case .problem(let text) = self { return text }; return "" }
        }

        let client: Bool
        private var buffer: [UInt8] = []
        private var keys: Keys?
        private var applicationSecret: [UInt8]?
        private var suite: UInt16 = 0
        private var finished = false

        init(client: Bool) { self.client = client }

        struct Keys {
            var key: [UInt8]
            var iv: [UInt8]
            var sequence: UInt64 = 0
        }

        /// Sets the secrets once the hellos are known.
        mutating func start(suite: UInt16, handshake: [UInt8], application: [UInt8]) {
            self.suite = suite
            keys = Self.keys(secret: handshake, suite: suite)
            applicationSecret = application
        }

        var started: Bool { keys != nil }

        /// Appends bytes of the stream; returns the application data now decrypted.
        mutating func add(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
            buffer += bytes
            // Until both hellos are seen the records wait.
            guard keys != nil else { return [] }
            var out: [UInt8] = []
            while buffer.count >= 5 {
                let length = Int(buffer[3]) << 8 | Int(buffer[4])
                guard buffer.count >= 5 + length else { break }
                let header = Array(buffer[0..<5])
                let body = Array(buffer[5..<(5 + length)])
                buffer.removeFirst(5 + length)
                // Only encrypted records (application_data, 23) carry what we want; the hellos and
                // the compatibility ChangeCipherSpec are plaintext.
                guard header[0] == 23, var current = keys else { continue }
                let plain = try Self.open(body, header: header, keys: current, suite: suite)
                current.sequence += 1
                keys = current
                // The inner content type is the last non-zero byte.
                guard let typeIndex = plain.lastIndex(where: { $0 != 0 }) else { continue }
                let type = plain[typeIndex]
                let content = Array(plain[..<typeIndex])
                if type == 23 {
                    out += content
                } else if type == 22, !finished, Self.containsFinished(content), let secret = applicationSecret {
                    finished = true
                    keys = Self.keys(secret: secret, suite: suite)
                }
            }
            return out
        }

        static func containsFinished(_ handshake: [UInt8]) -> Bool {
            var index = 0
            while index + 4 <= handshake.count {
                let length = Int(handshake[index + 1]) << 16 | Int(handshake[index + 2]) << 8 | Int(handshake[index + 3])
                if handshake[index] == 20 { return true }
                index += 4 + length
            }
            return false
        }

        static func keys(secret: [UInt8], suite: UInt16) -> Keys {
            let keyLength = suite == 0x1301 ? 16 : 32
            return Keys(key: expandLabel(secret, "key", length: keyLength, suite: suite), iv: expandLabel(secret, "iv", length: 12, suite: suite))
        }

        /// HKDF-Expand-Label (RFC 8446, 7.1) with an empty context.
        static func expandLabel(_ secret: [UInt8], _ label: String, length: Int, suite: UInt16) -> [UInt8] {
            let full = Array("tls13 \(label)".utf8)
            let info = [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(full.count)] + full + [0]
            let key = SymmetricKey(data: secret)
            let output: SymmetricKey = suite == 0x1302
                ? HKDF<SHA384>.expand(pseudoRandomKey: key, info: info, outputByteCount: length)
                : HKDF<SHA256>.expand(pseudoRandomKey: key, info: info, outputByteCount: length)
            return output.withUnsafeBytes { Array($0) }
        }

        static func open(_ body: [UInt8], header: [UInt8], keys: Keys, suite: UInt16) throws(Failure) -> [UInt8] {
            guard body.count >= 16 else { throw .problem("a TLS record shorter than its tag") }
            var nonce = keys.iv
            for index in 0..<8 { nonce[4 + index] ^= UInt8((keys.sequence >> (8 * (7 - index))) & 0xFF) }
            let ciphertext = body.dropLast(16), tag = body.suffix(16)
            do {
                let key = SymmetricKey(data: keys.key)
                if suite == 0x1303 {
                    let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                    return Array(try ChaChaPoly.open(box, using: key, authenticating: header))
                }
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                return Array(try AES.GCM.open(box, using: key, authenticating: header))
            } catch {
                throw .problem("a TLS record does not decrypt with the key log's secrets (record \(keys.sequence), suite 0x\(String(suite, radix: 16)))")
            }
        }
    }

    /// The client random of a ClientHello record at the start of a stream, if it is one.
    static func clientRandom(_ stream: [UInt8]) -> [UInt8]? {
        guard stream.count >= 43, stream[0] == 22, stream[5] == 1 else { return nil }
        return Array(stream[11..<43])
    }

    /// The cipher suite of a ServerHello record at the start of a stream, if it is one.
    static func cipherSuite(_ stream: [UInt8]) -> UInt16? {
        guard stream.count >= 44, stream[0] == 22, stream[5] == 2 else { return nil }
        let sessionLength = Int(stream[43])
        let at = 44 + sessionLength
        guard stream.count >= at + 2 else { return nil }
        return UInt16(stream[at]) << 8 | UInt16(stream[at + 1])
    }
}

private extension Hex {
    static func bytes(_ text: Substring) -> [UInt8]? { decode(text) }
    static func string(_ bytes: [UInt8]) -> String { encode(bytes).lowercased() }
}
