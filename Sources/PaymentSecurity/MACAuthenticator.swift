public import ISO8583

/// The MAC of DE64/DE128 by one of the algorithms hosts implement, under one key.
public struct MACAuthenticator: MessageAuthenticator, Equatable {
    public let algorithm: MACAlgorithm
    public let key: DESKey
    public let padding: MACPadding

    public init(algorithm: MACAlgorithm, key: DESKey, padding: MACPadding = .zeros) {
        self.algorithm = algorithm
        self.key = key
        self.padding = padding
    }

    public func mac(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        algorithm.mac(key: key, bytes, padding: padding)
    }
}
