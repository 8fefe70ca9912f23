public import ISO8583
public import PaymentSecurity

/// Track 2 equivalent data (DE35) as a stripe read sends it: PAN `=` expiry (`YYMM`), the service
/// code (`201`: a chip card, whose stripe a terminal must not take unless the chip failed; `101`:
/// a stripe card), then the discretionary data: PVKI and PVV (`00000` here) and the CVN, the
/// card verification value its issuer checks.
public struct Track2: Sendable, Equatable {
    public var pan: String
    public var expiry: String
    public var serviceCode: String
    public var cvn: String

    public init(pan: String, expiry: String, serviceCode: String, cvn: String) {
        self.pan = pan
        self.expiry = expiry
        self.serviceCode = serviceCode
        self.cvn = cvn
    }

    /// A card's track 2, its CVN computed under its issuer's card verification key.
    public init?(pan: String, expiry: String, chip: Bool, cvk: DESKey) {
        let serviceCode = chip ? "201" : "101"
        guard let cvn = CardVerification.value(key: cvk, pan: pan, expiry: expiry, serviceCode: serviceCode) else { return nil }
        self.init(pan: pan, expiry: expiry, serviceCode: serviceCode, cvn: cvn)
    }

    /// DE35 of a message, when it reads as track 2 (untrusted data: anything else is nil).
    public init?(_ message: ISOMessage) {
        // Over its bytes: an issuer reads one per purchase.
        guard let bytes = message[DE.track2].map({ Array($0.utf8) }), let separator = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let rest = bytes[(separator + 1)...]
        func digits(_ part: ArraySlice<UInt8>) -> Bool { part.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard (12...19).contains(separator), rest.count >= 15, digits(bytes[..<separator]), digits(rest) else { return nil }
        func text(_ range: Range<Int>) -> String { String(decoding: rest.dropFirst(range.lowerBound).prefix(range.count), as: UTF8.self) }
        self.init(pan: String(decoding: bytes[..<separator], as: UTF8.self), expiry: text(0..<4), serviceCode: text(4..<7), cvn: text(12..<15))
    }

    /// The text DE35 carries.
    public var text: String { pan + "=" + expiry + serviceCode + "00000" + cvn }

    /// Whether the service code says the card has a chip (first digit 2 or 6).
    public var isChipCard: Bool { serviceCode.first == "2" || serviceCode.first == "6" }
}
