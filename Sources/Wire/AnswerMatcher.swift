public import ISO8583

/// Pairs answers from a system under test with the requests PayLab sent it, by a key: the
/// answer's MTI (0200 is answered by 0210; 0420 and its repeat 0421 by 0430) and the values
/// of chosen fields (by default DE11, DE41 and DE7, as jPOS's and moov-io's connections
/// do), so a STAN that wraps, or repeats across terminals, never pairs the wrong answer.
/// Requests with the same key are answered oldest first.
public struct AnswerMatcher<Token: Hashable & Sendable>: Sendable {
    /// The key of a request or of the answer that pairs with it.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public var mti: MTI
        public var values: [String?]

        public var description: String {
            "\(mti) " + values.map { $0 ?? "-" }.joined(separator: "/")
        }
    }

    /// The fields besides the MTI that make the key.
    public let fields: [Int]
    private var waiting: [Key: [Token]] = [:]
    private var keys: [Token: Key] = [:]

    /// Makes a matcher on these fields.
    public init(fields: [Int]) {
        self.fields = fields
    }

    /// The key of a message: for a request, the MTI of its answer.
    public func key(of message: ISOMessage) -> Key {
        Key(mti: message.mti.isResponse ? message.mti : message.mti.response.original, values: fields.map { message[$0] })
    }

    /// A request went out; its answer is awaited under `token`.
    public mutating func expect(_ request: ISOMessage, token: Token) {
        let key = key(of: request)
        waiting[key, default: []].append(token)
        keys[token] = key
    }

    /// The request an answer pairs with, which stops waiting; nil when it pairs with none.
    public mutating func answer(_ response: ISOMessage) -> Token? {
        var key = key(of: response)
        // A repeat's answer carries the original MTI's answer (0421 is answered by 0430).
        key.mti = key.mti.original
        guard var tokens = waiting[key], !tokens.isEmpty else { return nil }
        let token = tokens.removeFirst()
        waiting[key] = tokens.isEmpty ? nil : tokens
        keys[token] = nil
        return token
    }

    /// Stops waiting for a request's answer.
    public mutating func forget(_ token: Token) {
        guard let key = keys.removeValue(forKey: token), var tokens = waiting[key] else { return }
        tokens.removeAll { $0 == token }
        waiting[key] = tokens.isEmpty ? nil : tokens
    }

    /// How many requests await an answer.
    public var count: Int { keys.count }
}
