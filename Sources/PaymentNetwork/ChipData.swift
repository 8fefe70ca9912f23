public import ISO8583
public import PaymentSecurity
public import SettlementCalendar

/// A chip card as a terminal reads it: the keys it computes its cryptograms with, and its counter.
public struct ChipRead: Sendable, Equatable {
    /// The issuer master key for application cryptograms (the card holds its own master key, which
    /// PayLab derives from it as the issuer does).
    public var imk: DESKey
    /// The PAN sequence number (DE23).
    public var psn: String
    /// The card's application transaction counter for this transaction.
    public var atc: UInt16
    /// Read without contact (DE22 07x) rather than inserted (05x).
    public var contactless: Bool
    /// The chip cannot be read (`chip_unreadable`): the terminal sends nothing and asks for the
    /// card again, or for its stripe (fallback).
    public var unreadable = false
    /// The card's cryptogram does not verify at its issuer (`bad_arqc`).
    public var wrongCryptogram = false

    public init(imk: DESKey, psn: String, atc: UInt16, contactless: Bool = false) {
        self.imk = imk
        self.psn = psn
        self.atc = atc
        self.contactless = contactless
    }
}

/// DE55 of a chip transaction: what the card and terminal put in a request (the ARQC over the
/// transaction's data), and what the issuer answers (the ARPC and the ARC).
public enum ChipData {
    /// The card verification results inside 9F10 (UnionPay's and Visa's issuer application data:
    /// `07` ‖ key index ‖ CVN `01` ‖ CVR).
    static let cvr: [UInt8] = [0x03, 0xA0, 0x00, 0x00]

    /// The EMV data of a chip request and the session key its ARQC is under.
    public static func request(pan: String, amount: Money, currency: Currency, date: LocalDate, stan: String, chip: ChipRead) -> (objects: [BERTLV], sessionKey: DESKey)? {
        guard let sessionKey = EMVCryptograms.sessionKey(imk: chip.imk, pan: pan, psn: chip.psn, atc: chip.atc),
              let amountBCD = Hex.decode(String(amount.de4.suffix(12))),
              let currencyBCD = Hex.decode("0" + currency.numeric),
              let dateBCD = Hex.decode(String(date.year % 100).leftPadded(to: 2) + String(date.month).leftPadded(to: 2) + String(date.day).leftPadded(to: 2)),
              let unpredictable = Hex.decode(String(stan.suffix(6)).leftPadded(to: 6) + Hex.encode([UInt8(chip.atc & 0xFF)])) else { return nil }
        let atc: [UInt8] = [UInt8(chip.atc >> 8), UInt8(chip.atc & 0xFF)]
        var objects = [
            BERTLV(tag: [0x9F, 0x27], value: [0x80]),
            BERTLV(tag: [0x9F, 0x10], value: [0x07, 0x01, 0x01] + cvr),
            BERTLV(tag: [0x9F, 0x37], value: unpredictable),
            BERTLV(tag: [0x9F, 0x36], value: atc),
            BERTLV(tag: [0x95], value: [0, 0, 0, 0, 0]),
            BERTLV(tag: [0x9A], value: dateBCD),
            BERTLV(tag: [0x9C], value: [0x00]),
            BERTLV(tag: [0x9F, 0x02], value: amountBCD),
            BERTLV(tag: [0x5F, 0x2A], value: currencyBCD),
            BERTLV(tag: [0x82], value: [0x7C, 0x00]),
            BERTLV(tag: [0x9F, 0x1A], value: currencyBCD),
            BERTLV(tag: [0x9F, 0x03], value: [0, 0, 0, 0, 0, 0]),
            BERTLV(tag: [0x9F, 0x33], value: [0xE0, 0xE1, 0xC8]),
            BERTLV(tag: [0x9F, 0x34], value: [0x42, 0x03, 0x00]),
            BERTLV(tag: [0x9F, 0x35], value: [0x22]),
            BERTLV(tag: [0x84], value: [0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01]),
            BERTLV(tag: [0x9F, 0x09], value: [0x00, 0x30]),
            BERTLV(tag: [0x9F, 0x41], value: Hex.decode(String(stan.suffix(6)).leftPadded(to: 8)) ?? [0, 0, 0, 0]),
        ]
        guard let data = cryptogramInput(objects) else { return nil }
        objects.insert(BERTLV(tag: [0x9F, 0x26], value: EMVCryptograms.applicationCryptogram(sessionKey: sessionKey, data: data)), at: 0)
        return (objects, sessionKey)
    }

    /// The ARQC's input: 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖ 9F36 ‖ CVR (from 9F10).
    public static func cryptogramInput(_ objects: [BERTLV]) -> [UInt8]? {
        var data: [UInt8] = []
        for tag: [UInt8] in [[0x9F, 0x02], [0x9F, 0x03], [0x9F, 0x1A], [0x95], [0x5F, 0x2A], [0x9A], [0x9C], [0x9F, 0x37], [0x82], [0x9F, 0x36]] {
            guard let value = value(tag, in: objects) else { return nil }
            data += value
        }
        guard let iad = value([0x9F, 0x10], in: objects), iad.count >= 7 else { return nil }
        return data + iad[3..<7]
    }

    /// The value of a tag.
    public static func value(_ tag: [UInt8], in objects: [BERTLV]) -> [UInt8]? {
        objects.first { $0.tag == tag }?.value
    }

    /// The issuer's answer data: 91 (the ARPC by method 1 and the ARC) and 8A (the ARC: DE39's two characters).
    public static func answer(arqc: [UInt8], sessionKey: DESKey, code: ResponseCode) -> [BERTLV]? {
        let arc = Array(code.rawValue.utf8)
        guard let arpc = EMVCryptograms.arpcMethod1(sessionKey: sessionKey, arqc: arqc, arc: arc) else { return nil }
        return [BERTLV(tag: [0x91], value: arpc + arc), BERTLV(tag: [0x8A], value: arc)]
    }

    /// The card's transaction certificate after an approval (its second cryptogram, CID 40): the
    /// application cryptogram under the same session key over the same data as the ARQC followed by
    /// the ARC; with the request's other EMV data, as the batch upload carries it.
    public static func certificate(request: ISOMessage, sessionKey: DESKey, code: ResponseCode) -> [BERTLV]? {
        guard var objects = try? request.emvData(), let data = cryptogramInput(objects) else { return nil }
        let arc = Array(code.rawValue.utf8)
        let tc = EMVCryptograms.applicationCryptogram(sessionKey: sessionKey, data: data + arc)
        objects.removeAll { [[0x9F, 0x26], [0x9F, 0x27], [0x8A]].contains($0.tag) }
        return [BERTLV(tag: [0x9F, 0x26], value: tc), BERTLV(tag: [0x9F, 0x27], value: [0x40]), BERTLV(tag: [0x8A], value: arc)] + objects
    }

    /// An answer whose ARPC the card will not verify (`bad_arpc`): a bit of tag 91 flipped.
    public static func spoilARPC(_ answer: inout ISOMessage) {
        guard var objects = try? answer.emvData(), let index = objects.firstIndex(where: { $0.tag == [0x91] }), !objects[index].value.isEmpty else { return }
        objects[index].value[0] ^= 0x01
        answer.setEMVData(objects)
    }

    /// Whether an answer's 91 is the ARPC of this ARQC under this session key (the card's check).
    public static func arpcVerifies(_ answer: ISOMessage, arqc: [UInt8], sessionKey: DESKey) -> Bool {
        guard let objects = try? answer.emvData(), let tag91 = value([0x91], in: objects), tag91.count == 10 else { return false }
        return EMVCryptograms.arpcMethod1(sessionKey: sessionKey, arqc: arqc, arc: Array(tag91[8..<10])) == Array(tag91[0..<8])
    }
}
