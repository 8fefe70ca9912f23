/// An ISO 8583 message type indicator: four digits, version, class, function and origin.
///
/// Control flow asks it questions (`isResponse`, `messageClass`) and derives the MTIs of
/// the messages that answer or repeat it, instead of doing arithmetic on its characters.
public struct MTI: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The four characters as they are on the wire (`0200`).
    public let rawValue: String

    /// Makes an MTI from its four characters; the codec checks that they are digits.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { rawValue }

    public static func < (lhs: MTI, rhs: MTI) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The second digit: what kind of message it is.
    public enum MessageClass: Int, Sendable {
        case authorization = 1, financial = 2, fileAction = 3, reversal = 4, reconciliation = 5
        case administrative = 6, feeCollection = 7, networkManagement = 8
    }

    // Control flow asks these on every message: they read the four bytes in place, with no allocation.
    private func digit(_ index: Int) -> Int? {
        let utf8 = rawValue.utf8
        guard utf8.count == 4 else { return nil }
        let byte = utf8[utf8.index(utf8.startIndex, offsetBy: index)]
        guard (0x30...0x39).contains(byte) else { return nil }
        return Int(byte - 0x30)
    }

    private func replacing(_ index: Int, with value: Int) -> MTI {
        let utf8 = rawValue.utf8
        guard utf8.count == 4 else { return self }
        return MTI(String(unsafeUninitializedCapacity: 4) { buffer in
            for (offset, byte) in utf8.enumerated() { buffer[offset] = offset == index ? UInt8(0x30 + value) : byte }
            return 4
        })
    }

    /// The message class (second digit), nil when it is not one ISO 8583 defines.
    public var messageClass: MessageClass? { digit(1).flatMap(MessageClass.init(rawValue:)) }

    /// Whether this is a response (third digit odd: 0210, 0230, 0410, 0430, 0810).
    public var isResponse: Bool { digit(2).map { $0 % 2 == 1 } ?? false }

    /// Whether this is a request or an advice (third digit even).
    public var isRequest: Bool { digit(2).map { $0 % 2 == 0 } ?? false }

    /// Whether this is an advice or its response (third digit 2 or 3: 0220, 0230, 0420, 0430).
    public var isAdvice: Bool { digit(2).map { $0 == 2 || $0 == 3 } ?? false }

    /// Whether this is a repeat (fourth digit 1 or 3: 0401, 0221, 0423).
    public var isRepeat: Bool { digit(3).map { $0 % 2 == 1 } ?? false }

    /// Whether the issuer's side sent it (fourth digit 2 or 3: 0422, 0423).
    public var fromIssuer: Bool { digit(3).map { $0 == 2 || $0 == 3 } ?? false }

    /// The MTI of the answer to this request: the third digit plus one (0200 → 0210, 0420 → 0430,
    /// 0401 → 0411); a response stays as it is.
    public var response: MTI {
        guard let function = digit(2), function % 2 == 0 else { return self }
        return replacing(2, with: function + 1)
    }

    /// The MTI of this request sent again: fourth digit plus one (0400 → 0401, 0220 → 0221, 0422 → 0423).
    public var repeated: MTI { fromIssuer ? replacing(3, with: 3) : replacing(3, with: 1) }

    /// The same message as a first transmission: fourth digit 0 or 2 (0401 → 0400, 0423 → 0422).
    public var original: MTI { fromIssuer ? replacing(3, with: 2) : replacing(3, with: 0) }

    /// The request it answers (0210 → 0200), for matching; a request stays as it is.
    public var request: MTI {
        guard let function = digit(2), function % 2 == 1 else { return original }
        return replacing(2, with: function - 1).original
    }

    /// `0100`: an authorization request.
    public static let authorizationRequest: MTI = "0100"
    /// `0110`.
    public static let authorizationResponse: MTI = "0110"
    /// `0200`: a financial request (purchase, void, payout credit).
    public static let financialRequest: MTI = "0200"
    /// `0210`.
    public static let financialResponse: MTI = "0210"
    /// `0220`: a financial advice (a stand-in approval told to the issuer).
    public static let financialAdvice: MTI = "0220"
    /// `0230`.
    public static let financialAdviceResponse: MTI = "0230"
    /// `0320`: a batch upload item (a transaction of the terminal's batch).
    public static let batchUpload: MTI = "0320"
    /// `0500`: a terminal's batch settlement (its totals).
    public static let batchSettlement: MTI = "0500"
    /// `0520`: a reconciliation advice: here, one line of the scheme's clearing file for an acquirer.
    public static let clearingRecord: MTI = "0520"
    /// `0400`: a reversal request.
    public static let reversalRequest: MTI = "0400"
    /// `0420`: a reversal advice.
    public static let reversalAdvice: MTI = "0420"
    /// `0422`: an advice from the issuer's side undoing a purchase: a chargeback.
    public static let chargeback: MTI = "0422"
    /// `0800`: a network management request.
    public static let networkManagementRequest: MTI = "0800"
}
