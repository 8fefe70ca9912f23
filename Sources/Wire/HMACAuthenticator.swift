import Crypto
public import ISO8583

/// A MAC for fields 64/128: HMAC-SHA256 with a shared key, truncated to 8 bytes.
///
/// Real hosts use ISO 9797-1 algorithm 3 (DES retail MAC) with keys from an HSM; this is
/// the same slot filled with an algorithm swift-crypto offers, and any other
/// ``MessageAuthenticator`` can take its place.
public struct HMACAuthenticator: MessageAuthenticator {
    private let key: SymmetricKey

    /// An authenticator with this key.
    public init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    public func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(8))
    }
}
