import CLibCrypto

/// DES and 3DES EDE in ECB mode by the system OpenSSL's libcrypto, one 8-byte block at a time,
/// under key schedules computed once per key.
///
/// The schedules live in memory allocated once and never written after `init`: libcrypto only
/// reads them (its pointer parameters are not `const` for history's sake), so one cipher is
/// shared by any number of threads, and a block costs no allocation and no copy.
final class BlockCipher: @unchecked Sendable {
    /// The schedule of each 8-byte part of the key: one (DES), two (K1 K2 K1) or three.
    private let schedules: UnsafeMutablePointer<DES_key_schedule>
    private let count: Int

    init(_ key: [UInt8]) {
        count = key.count / 8
        schedules = .allocate(capacity: count)
        schedules.initialize(repeating: DES_key_schedule(), count: count)
        key.withUnsafeBufferPointer { bytes in
            for part in 0..<count { paylab_des_schedule(bytes.baseAddress! + part * 8, schedules + part) }
        }
    }

    deinit {
        schedules.deinitialize(count: count)
        schedules.deallocate()
    }

    /// The 8 bytes at `offset` of `data` encrypted or decrypted in place.
    func apply(_ data: inout [UInt8], at offset: Int = 0, encrypt: Bool) {
        let direction: Int32 = encrypt ? 1 : 0
        data.withUnsafeMutableBufferPointer { buffer in
            let block = buffer.baseAddress! + offset
            switch count {
            case 1: paylab_des_ecb(block, block, schedules, direction)
            case 2: paylab_des_ecb3(block, block, schedules, schedules + 1, schedules, direction)
            default: paylab_des_ecb3(block, block, schedules, schedules + 1, schedules + 2, direction)
            }
        }
    }

    /// The last block of `blocks` (whole 8-byte blocks) encrypted in single-DES CBC mode with a
    /// zero IV: a CBC-MAC's chain (X9.9, and X9.19 before its last block; always under K1).
    func cbcChain(_ blocks: [UInt8]) -> [UInt8] {
        precondition(blocks.count % 8 == 0 && count == 1, "a CBC-MAC chains whole 8-byte blocks under one DES key")
        var chain = [UInt8](repeating: 0, count: 8)
        blocks.withUnsafeBufferPointer { data in
            chain.withUnsafeMutableBufferPointer { paylab_des_cbc_mac(data.baseAddress, data.count, schedules, $0.baseAddress) }
        }
        return chain
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
