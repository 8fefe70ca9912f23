import ISO8583

/// EMV application cryptograms (EMV Book 2, annex A1), as an issuer verifies a chip card's ARQC
/// and answers with an ARPC: the ICC master key from the issuer master key, the session key of
/// one transaction from the ATC, the cryptogram over the card's data, and the response cryptogram.
public enum EMVCryptograms {
    /// The ICC master key by option A (A1.4.1): Y = the rightmost 16 digits of PAN ‖ PSN (left
    /// padded with zeros), ZL = 3DES(IMK, Y), ZR = 3DES(IMK, Y XOR FF…FF), MK = ZL ‖ ZR, odd parity.
    public static func iccMasterKey(imk: DESKey, pan: String, psn: String = "00") -> DESKey? {
        let digits = pan + psn
        guard digits.allSatisfy(\.isNumber) else { return nil }
        let y = String(String(repeating: "0", count: max(0, 16 - digits.count)) + digits.suffix(16))
        guard let block = Hex.decode(y) else { return nil }
        let left = imk.encrypt(block)
        let right = imk.encrypt(block.map { $0 ^ 0xFF })
        return DESKey(left + right)?.oddParity
    }

    /// The EMV common session key (A1.3.1): under the ICC master key, R with its third byte F0,
    /// then R with its third byte 0F (odd parity, as pyemv and HSMs write it); R is 8 bytes (for an
    /// AC, the ATC followed by six zero bytes).
    public static func sessionKey(masterKey: DESKey, r: [UInt8]) -> DESKey? {
        guard r.count == 8 else { return nil }
        var f1 = r, f2 = r
        f1[2] = 0xF0
        f2[2] = 0x0F
        return DESKey(masterKey.encrypt(f1) + masterKey.encrypt(f2))?.oddParity
    }

    /// R for an application cryptogram: the two ATC bytes and six zero bytes.
    public static func r(atc: UInt16) -> [UInt8] {
        [UInt8(atc >> 8), UInt8(atc & 0xFF)] + [UInt8](repeating: 0, count: 6)
    }

    /// An application cryptogram (ARQC, TC, AAC): ISO 9797-1 MAC algorithm 3 with padding
    /// method 2 over the card's data, under the session key.
    public static func applicationCryptogram(sessionKey: DESKey, data: [UInt8]) -> [UInt8] {
        MACAlgorithm.x9_19.mac(key: sessionKey, data, padding: .bit)
    }

    /// The ARPC by method 1: 3DES under the session key of ARQC XOR (ARC ‖ six zero bytes); the
    /// ARC is two bytes (UnionPay and Visa: DE39's two ASCII characters).
    public static func arpcMethod1(sessionKey: DESKey, arqc: [UInt8], arc: [UInt8]) -> [UInt8]? {
        guard arqc.count == 8, arc.count == 2 else { return nil }
        let padded = arc + [UInt8](repeating: 0, count: 6)
        return sessionKey.encrypt(zip(arqc, padded).map { $0 ^ $1 })
    }

    /// The session key of one card transaction: the ICC master key from the IMK, PAN and PSN, then
    /// the common session key of the ATC.
    public static func sessionKey(imk: DESKey, pan: String, psn: String, atc: UInt16) -> DESKey? {
        iccMasterKey(imk: imk, pan: pan, psn: psn).flatMap { sessionKey(masterKey: $0, r: r(atc: atc)) }
    }
}
