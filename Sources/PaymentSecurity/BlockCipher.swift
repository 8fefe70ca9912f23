import CLibCrypto

/// DES and 3DES EDE in ECB mode by the system OpenSSL's libcrypto, one 8-byte block at a time,
/// under key schedules computed once per key.
struct BlockCipher: Sendable {
    /// The schedule of each 8-byte part of the key: one (DES), two (K1 K2 K1) or three.
    private let schedules: [DES_key_schedule]

    init(_ key: [UInt8]) {
        schedules = stride(from: 0, to: key.count, by: 8).map { start in
            var schedule = DES_key_schedule()
            key[start..<(start + 8)].withContiguousStorageIfAvailable { part in paylab_des_schedule(part.baseAddress, &schedule) }
                ?? Array(key[start..<(start + 8)]).withUnsafeBufferPointer { part in paylab_des_schedule(part.baseAddress, &schedule) }
            return schedule
        }
    }

    /// The 8 bytes at `offset` of `data` encrypted or decrypted in place.
    func apply(_ data: inout [UInt8], at offset: Int = 0, encrypt: Bool) {
        var keys = schedules
        let direction: Int32 = encrypt ? 1 : 0
        data.withUnsafeMutableBufferPointer { buffer in
            let block = buffer.baseAddress! + offset
            keys.withUnsafeMutableBufferPointer { k in
                switch k.count {
                case 1: paylab_des_ecb(block, block, &k[0], direction)
                case 2: paylab_des_ecb3(block, block, &k[0], &k[1], &k[0], direction)
                default: paylab_des_ecb3(block, block, &k[0], &k[1], &k[2], direction)
                }
            }
        }
    }

    /// `data` (whole 8-byte blocks) encrypted or decrypted block by block.
    func ecb(_ data: [UInt8], encrypt: Bool) -> [UInt8] {
        precondition(data.count % 8 == 0, "DES works on whole 8-byte blocks")
        var output = data
        for offset in stride(from: 0, to: output.count, by: 8) { apply(&output, at: offset, encrypt: encrypt) }
        return output
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
