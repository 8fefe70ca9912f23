import Crypto
public import ISO8583

/// A MAC for fields 64/128: HMAC-SHA256 with a shared key, truncated to 8 bytes.
///
/// Real hosts use ISO 9797-1 algorithm 3 (DES retail MAC) with keys from an HSM; this is
/// the same slot filled with an algorithm swift-crypto offers, and any other
/// ``MessageAuthenticator`` can take its place.
public struct HMACAuthenticator: MessageAuthenticator {
    /// HMAC keyed once: each MAC starts from a copy of it instead of deriving the inner and
    /// outer pads from the key again (most of the work for a message this short).
    private let keyed: HMAC<SHA256>

    /// An authenticator with this key.
    public init(key: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    public func mac(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var hmac = keyed
        hmac.update(data: UnsafeRawBufferPointer(bytes))
        return hmac.finalize().withUnsafeBytes { Array($0.prefix(8)) }
    }
}
