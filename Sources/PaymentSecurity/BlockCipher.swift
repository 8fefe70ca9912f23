import CLibCrypto

/// DES and 3DES in ECB mode by the system OpenSSL's libcrypto.
///
/// OpenSSL 3 keeps single DES in its legacy provider, so every step runs as 3DES EDE:
/// a single-length key as K K K (the same as DES), a double-length one as K1 K2 K1.
enum BlockCipher {
    /// The 3DES EDE ECB cipher, fetched from the default provider once.
    nonisolated(unsafe) private static let cipher: OpaquePointer = {
        guard let cipher = EVP_CIPHER_fetch(nil, "DES-EDE3-ECB", nil) else {
            fatalError("the system libcrypto has no DES-EDE3-ECB (OpenSSL's default provider is missing)")
        }
        return cipher
    }()

    /// The 24 bytes of the 3DES key that does what `key` does.
    static func tripleLength(_ key: DESKey) -> [UInt8] {
        switch key.bytes.count {
        case 8: key.bytes + key.bytes + key.bytes
        case 16: key.bytes + key.bytes[0..<8]
        default: key.bytes
        }
    }

    /// `data` (whole 8-byte blocks) encrypted or decrypted block by block under `key`.
    static func ecb(key: DESKey, _ data: [UInt8], encrypt: Bool) -> [UInt8] {
        precondition(data.count % 8 == 0, "DES works on whole 8-byte blocks")
        guard !data.isEmpty else { return [] }
        var output = data
        Context(key: key, encrypt: encrypt).apply(&output)
        return output
    }

    /// One key set up once for many blocks (a CBC-MAC's chain): libcrypto's cipher context.
    final class Context {
        private let context: OpaquePointer

        init(key: DESKey, encrypt: Bool) {
            context = EVP_CIPHER_CTX_new()
            let material = BlockCipher.tripleLength(key)
            let ok = material.withUnsafeBufferPointer { keyBytes in
                EVP_CipherInit_ex2(context, BlockCipher.cipher, keyBytes.baseAddress, nil, encrypt ? 1 : 0, nil) == 1
                    && EVP_CIPHER_CTX_set_padding(context, 0) == 1
            }
            precondition(ok, "libcrypto refused a DES key")
        }

        deinit { EVP_CIPHER_CTX_free(context) }

        /// `data` (whole blocks) replaced by its ECB encryption or decryption.
        func apply(_ data: inout [UInt8]) {
            let count = Int32(data.count)
            var written: Int32 = 0
            let ok = data.withUnsafeMutableBufferPointer { buffer in
                EVP_CipherUpdate(context, buffer.baseAddress, &written, buffer.baseAddress, count) == 1
            }
            precondition(ok && written == count, "libcrypto refused a DES operation on whole blocks")
        }
    }
}

/// SHA-256 by libcrypto, for deriving test keys from a seed.
enum Digest {
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = data.withUnsafeBufferPointer { input in
            EVP_Digest(input.baseAddress, input.count, &output, &length, EVP_sha256(), nil) == 1
        }
        precondition(ok && length == 32, "libcrypto refused SHA-256")
        return output
    }
}
