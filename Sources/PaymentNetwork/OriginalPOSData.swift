public import ISO8583

/// DE61 as a UnionPay POS names the transaction a void, completion, cancellation or refund acts
/// on: 61.1 the original's batch number (n6), 61.2 its POS trace number, the terminal's STAN (n6),
/// 61.3 its local date (MMDD). A pre-authorization's completion and cancellation name no batch
/// or trace (zeros): the host finds the hold by DE37 and DE38.
public struct OriginalPOSData: Sendable, Equatable {
    /// 61.1.
    public var batch: String
    /// 61.2.
    public var trace: String
    /// 61.3, `MMDD`.
    public var date: String

    public init(batch: String, trace: String, date: String) {
        self.batch = batch
        self.trace = trace
        self.date = date
    }

    /// The DE61 of a message, when it carries one of at least 16 digits.
    public init?(_ message: ISOMessage) {
        guard let text = message[DE.originalPOSData], text.count >= 16, text.prefix(16).allSatisfy(\.isASCIIDigit) else { return nil }
        let digits = Array(text)
        batch = String(digits[0..<6])
        trace = String(digits[6..<12])
        date = String(digits[12..<16])
    }

    /// Whether 61.2 names a trace number (a pre-authorization's follow-ups leave it zero).
    public var namesTrace: Bool { trace != "000000" }

    /// The 16 digits.
    public var text: String { batch + trace + date }

    /// Writes it into a message as DE61.
    public func write(into message: inout ISOMessage) { message[DE.originalPOSData] = text }
}
