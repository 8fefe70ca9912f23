import Foundation
import ISO8583
import PaymentSecurity
import TestSupport
import Testing

/// PayLab's payment cryptography against psec and pycryptodome (Tests/Interop/crypto_oracle.py),
/// over keys and data of every length a network uses.
@Suite("Payment cryptography agrees with psec and pycryptodome")
struct OracleTests {
    static func oracle(_ requests: [[String: Any]]) async throws -> [String] { try await CryptoOracle.ask(requests) }

    /// Keys and data from a fixed generator: the same cases every run, many shapes.
    static func cases() -> (keys: [DESKey], data: [[UInt8]]) {
        var generator = SplitMix(seed: 2026)
        let keys = [8, 16, 16, 24, 8, 16].map { count in DESKey((0..<count).map { _ in generator.byte() })! }
        let data = [0, 1, 7, 8, 9, 16, 23, 64, 101].map { count in (0..<count).map { _ in generator.byte() } }
        return (keys, data)
    }

    @Test("Check values and ECB encryption, single, double and triple length")
    func checkValuesAndECB() async throws {
        let (keys, data) = Self.cases()
        let block = Array(data[7].prefix(16))
        var requests: [[String: Any]] = []
        for key in keys {
            requests.append(["kind": "kcv", "key": key.hex])
            requests.append(["kind": "encrypt", "key": key.hex, "data": Hex.encode(block)])
        }
        let answers = try await Self.oracle(requests)
        for (index, key) in keys.enumerated() {
            #expect(answers[2 * index] == Hex.encode(key.checkValue()), "check value of \(key)")
            #expect(answers[2 * index + 1] == Hex.encode(key.encrypt(block)), "ECB under \(key)")
            #expect(key.decrypt(key.encrypt(block)) == block)
        }
    }

    @Test("X9.9, X9.19 and the UnionPay ECB MAC, both paddings, every data length")
    func macs() async throws {
        let (keys, data) = Self.cases()
        var requests: [[String: Any]] = []
        var expected: [String] = []
        for algorithm in MACAlgorithm.allCases {
            for key in keys.prefix(4) {
                for bytes in data {
                    for padding in MACPadding.allCases {
                        requests.append(["kind": "mac", "algorithm": algorithm.rawValue, "key": key.hex, "data": Hex.encode(bytes), "padding": padding.rawValue])
                        expected.append(Hex.encode(algorithm.mac(key: key, bytes, padding: padding)))
                    }
                }
            }
        }
        let answers = try await Self.oracle(requests)
        #expect(answers.count == expected.count)
        for (index, answer) in answers.enumerated() where answer != expected[index] {
            Issue.record("\(requests[index]): psec \(answer), PayLab \(expected[index])")
        }
    }

    @Test("The stripe's card verification value (CVN, CVV) of many cards, expiries and service codes, as psec computes it")
    func cardVerification() async throws {
        let (keys, _) = Self.cases()
        var requests: [[String: Any]] = []
        var expected: [String] = []
        for key in keys where key.length == .double {
            for (pan, expiry, service) in [("6222020000000001", "2812", "201"), ("4123456789012345", "8701", "101"), ("6212341234567890123", "3012", "220"), ("5555555555554444", "0000", "000")] {
                requests.append(["kind": "cvv", "key": key.hex, "pan": pan, "expiry": expiry, "service_code": service])
                expected.append(CardVerification.value(key: key, pan: pan, expiry: expiry, serviceCode: service) ?? "nil")
            }
        }
        let answers = try await Self.oracle(requests)
        #expect(answers == expected && expected.count == 12, "psec \(answers), PayLab \(expected)")
        #expect(CardVerification.value(key: DESKey(hex: "0123456789ABCDEF")!, pan: "1", expiry: "2812", serviceCode: "201") == nil, "a single-length key is no CVK pair")
    }

    @Test("Format-0 PIN blocks, clear and under a key, both ways")
    func pinBlocks() async throws {
        let (keys, _) = Self.cases()
        let cards = [("6222020000000001", "123456"), ("4111111111111111", "1234"), ("6212345678901234567", "123456789012"), ("5500000000000004", "0000")]
        var requests: [[String: Any]] = []
        var expected: [String] = []
        for (pan, pin) in cards {
            requests.append(["kind": "pinblock", "pan": pan, "pin": pin])
            expected.append(Hex.encode(try PINBlock.encode(pin: pin, pan: pan)))
            for key in keys.prefix(3) {
                let block = try PINBlock.encrypt(pin: pin, pan: pan, key: key)
                requests.append(["kind": "pinblock", "pan": pan, "pin": pin, "key": key.hex])
                expected.append(Hex.encode(block))
                requests.append(["kind": "pin", "pan": pan, "block": Hex.encode(block), "key": key.hex])
                expected.append(try PINBlock.decrypt(block, pan: pan, key: key).pin)
            }
        }
        #expect(try await Self.oracle(requests) == expected)
    }

    @Test("A PIN block translated from one key to another decrypts under the second to the same PIN")
    func translation() async throws {
        let (keys, _) = Self.cases()
        let block = try PINBlock.encrypt(pin: "654321", pan: "6222020000000001", key: keys[1])
        let translated = try PINBlock.translate(block, pan: "6222020000000001", from: keys[1], to: keys[2])
        #expect(try await Self.oracle([["kind": "pin", "pan": "6222020000000001", "block": Hex.encode(translated), "key": keys[2].hex]]) == ["654321"])
        #expect(throws: PINBlock.Problem.self) { try PINBlock.translate(block, pan: "6222020000000001", from: keys[2], to: keys[1]) }
    }

    @Test("DE62 working keys: each key under the TMK by psec, and its check value")
    func workingKeys() async throws {
        let tmk = DESKey(hex: "70F2A84CCBC2AE8625CBB0F2C22AB923")!
        for kind in WorkingKeys.Kind.allCases {
            let keys = WorkingKeys.derive(seed: 7, purpose: "T0000001 sign-on 1", kind: kind)
            let block = keys.block(under: tmk)
            #expect(block.count == kind.blockLength)
            let issued = [keys.pik, keys.mak] + (keys.tdk.map { [$0] } ?? [])
            var requests: [[String: Any]] = []
            for key in issued {
                requests.append(["kind": "encrypt", "key": tmk.hex, "data": key.hex])
                requests.append(["kind": "kcv", "key": key.hex])
            }
            let answers = try await Self.oracle(requests)
            #expect(Hex.encode(block) == answers.joined(), "\(kind)")
            #expect(try WorkingKeys(block: block, tmk: tmk) == keys)
            let wrong = DESKey(hex: "0123456789ABCDEFFEDCBA9876543210")!
            #expect(throws: WorkingKeys.Problem.self) { try WorkingKeys(block: block, tmk: wrong) }
        }
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func byte() -> UInt8 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
