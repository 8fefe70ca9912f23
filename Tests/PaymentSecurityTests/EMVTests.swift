import ISO8583
import PaymentSecurity
import TestSupport
import Testing

/// EMV key derivations and cryptograms against pyemv.
@Suite("EMV cryptograms agree with pyemv")
struct EMVTests {
    @Test("ICC master keys (option A), common session keys, ARQCs and ARPCs (method 1), over many cards and ATCs")
    func cryptograms() async throws {
        var generator = SplitMix(seed: 55)
        let imk = DESKey((0..<16).map { _ in generator.byte() })!
        let cards = [("6222020000000001", "01"), ("4761739001010119", "00"), ("6212345678901234567", "02"), ("5413330089020011", "11")]
        var requests: [[String: Any]] = []
        var expected: [String] = []
        for (index, (pan, psn)) in cards.enumerated() {
            let mk = try #require(EMVCryptograms.iccMasterKey(imk: imk, pan: pan, psn: psn))
            requests.append(["kind": "icc_mk", "imk": imk.hex, "pan": pan, "psn": psn])
            expected.append(mk.hex)
            for atc in [UInt16(1), UInt16(index * 300 + 7), UInt16.max] {
                let r = EMVCryptograms.r(atc: atc)
                let sk = try #require(EMVCryptograms.sessionKey(masterKey: mk, r: r))
                requests.append(["kind": "session_key", "mk": mk.hex, "r": Hex.encode(r)])
                expected.append(sk.hex)
                let data = (0..<(29 + index * 7)).map { _ in generator.byte() }
                let arqc = EMVCryptograms.applicationCryptogram(sessionKey: sk, data: data)
                requests.append(["kind": "ac", "sk": sk.hex, "data": Hex.encode(data)])
                expected.append(Hex.encode(arqc))
                for arc in ["00", "05", "51"] {
                    let arpc = try #require(EMVCryptograms.arpcMethod1(sessionKey: sk, arqc: arqc, arc: Array(arc.utf8)))
                    requests.append(["kind": "arpc1", "sk": sk.hex, "arqc": Hex.encode(arqc), "arc": Hex.encode(Array(arc.utf8))])
                    expected.append(Hex.encode(arpc))
                }
            }
        }
        let answers = try await CryptoOracle.ask(requests)
        for (index, answer) in answers.enumerated() where answer != expected[index] {
            Issue.record("\(requests[index]): pyemv \(answer), PayLab \(expected[index])")
        }
        #expect(answers.count == expected.count)
    }
}
