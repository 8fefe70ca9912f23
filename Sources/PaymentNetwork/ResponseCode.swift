public import ISO8583

/// A DE39 response code, with the meaning docs/scenario-language.md gives it.
public struct ResponseCode: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The two characters on the wire.
    public let rawValue: String

    /// Makes a code from its two characters.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { rawValue }

    /// `00` approved.
    public static let approved: ResponseCode = "00"
    /// `06` other (a terminal's reversal for another reason than a timeout or a MAC error).
    public static let otherReason: ResponseCode = "06"
    /// `05` do not honor.
    public static let doNotHonor: ResponseCode = "05"
    /// `12` invalid transaction.
    public static let invalidTransaction: ResponseCode = "12"
    /// `13` invalid amount.
    public static let invalidAmount: ResponseCode = "13"
    /// `14` invalid card number.
    public static let invalidCardNumber: ResponseCode = "14"
    /// `25` original not found.
    public static let originalNotFound: ResponseCode = "25"
    /// `30` format error.
    public static let formatError: ResponseCode = "30"
    /// `51` insufficient funds.
    public static let insufficientFunds: ResponseCode = "51"
    /// `54` expired card.
    public static let expiredCard: ResponseCode = "54"
    /// `61` over the daily limit.
    public static let overDailyLimit: ResponseCode = "61"
    /// `62` restricted card.
    public static let restrictedCard: ResponseCode = "62"
    /// `91` the issuer is unavailable (signed off, unreachable), or the acquirer gave up on the scheme.
    public static let issuerInoperative: ResponseCode = "91"
    /// `94` duplicate transmission.
    public static let duplicateTransmission: ResponseCode = "94"
    /// `96` system malfunction.
    public static let systemMalfunction: ResponseCode = "96"
    /// `03` unknown merchant.
    public static let unknownMerchant: ResponseCode = "03"
    /// `15` no such issuer (no bank issues the BIN).
    public static let noSuchIssuer: ResponseCode = "15"
    /// `41` lost card.
    public static let lostCard: ResponseCode = "41"
    /// `43` stolen card.
    public static let stolenCard: ResponseCode = "43"
    /// `77` sign on again (the terminal has not signed on today).
    public static let signOnAgain: ResponseCode = "77"
    /// `95` batch totals disagree.
    public static let batchTotalsDisagree: ResponseCode = "95"
    /// `97` terminal not registered.
    public static let terminalNotRegistered: ResponseCode = "97"
    /// `98` the issuer did not answer in time (the scheme gave up waiting).
    public static let issuerTimeout: ResponseCode = "98"
    /// `A0` MAC check failed (the terminal signs on again for new keys).
    public static let macFailure: ResponseCode = "A0"
    /// The PIN is wrong (or none was given for a card that needs one).
    public static let incorrectPIN: ResponseCode = "55"
    /// Too many wrong PINs today: the card is locked until tomorrow.
    public static let pinTriesExceeded: ResponseCode = "75"
    /// A chip card read by its stripe: use the chip.
    public static let useChip: ResponseCode = "45"
    /// The PIN block is not one (it does not decrypt to an ISO 9564 format-0 block for the card).
    public static let pinFormatError: ResponseCode = "99"

    /// Whether it approves.
    public var isApproval: Bool { self == .approved }

    /// What the code means, in a few words.
    public var meaning: String {
        switch self {
        case .approved: return "approved"
        case .doNotHonor: return "do not honor"
        case .invalidTransaction: return "invalid transaction"
        case .invalidAmount: return "invalid amount"
        case .invalidCardNumber: return "invalid card number"
        case .originalNotFound: return "original not found"
        case .formatError: return "format error"
        case .insufficientFunds: return "insufficient funds"
        case .expiredCard: return "expired card"
        case .overDailyLimit: return "over the daily limit"
        case .restrictedCard: return "restricted card"
        case .issuerInoperative: return "issuer unavailable"
        case .duplicateTransmission: return "duplicate transmission"
        case .systemMalfunction: return "system malfunction"
        case .unknownMerchant: return "unknown merchant"
        case .noSuchIssuer: return "no such issuer"
        case .lostCard: return "lost card"
        case .stolenCard: return "stolen card"
        case .signOnAgain: return "sign on again"
        case .batchTotalsDisagree: return "batch totals disagree"
        case .terminalNotRegistered: return "terminal not registered"
        case .issuerTimeout: return "the issuer did not answer in time"
        case .macFailure: return "MAC check failed"
        case .incorrectPIN: return "incorrect PIN"
        case .pinTriesExceeded: return "PIN tries exceeded"
        case .pinFormatError: return "PIN block format error"
        case .useChip: return "use the chip"
        default: return "unknown code"
        }
    }

    /// What a response code means, in a few words.
    public static func meaning(_ code: String) -> String { ResponseCode(code).meaning }
}

extension ISOMessage {
    /// DE39, if present.
    public var responseCode: ResponseCode? {
        get { self[DE.responseCode].map { ResponseCode($0) } }
        set { self[DE.responseCode] = newValue?.rawValue }
    }
}
