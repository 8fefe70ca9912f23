import ArgumentParser
import ISO8583
import PaymentSecurity
import RunCore

/// A key given on the command line, or invalid input (exit 2) that says what a key is.
func parseKey(_ text: String, option: String) throws -> DESKey {
    guard let key = DESKey(hex: text) else {
        printError("error: \(option) \(text): a key is 16, 32 or 48 hex digits (single, double or triple length)")
        throw ExitStatus.invalid
    }
    return key
}

/// Hex data on the command line, or invalid input.
func parseHex(_ text: String, what: String, blocks: Bool = false) throws -> [UInt8] {
    guard let bytes = Hex.decode(text) else {
        printError("error: \(what) is not hex (an even number of 0-9, A-F)")
        throw ExitStatus.invalid
    }
    if blocks, bytes.isEmpty || bytes.count % 8 != 0 {
        printError("error: \(what) is \(bytes.count) bytes: DES works on whole 8-byte blocks")
        throw ExitStatus.invalid
    }
    return bytes
}

/// `crypto encrypt` and `crypto decrypt`: DES or 3DES ECB of whole blocks, printed.
func ecb(key: String, data: String, json: Bool, encrypt: Bool) throws {
    let key = try parseKey(key, option: "the key"), bytes = try parseHex(data, what: "the data", blocks: true)
    let result = Hex.encode(encrypt ? key.encrypt(bytes) : key.decrypt(bytes))
    emit(json: json, [("result", .string(result))], result)
}

/// Prints `pairs` as JSON, or `text`.
func emit(json: Bool, _ pairs: [(String, JSONValue)], _ text: String) {
    print(json ? JSONValue.object(pairs).rendered() : text)
}

extension PayLab {
    /// `paylab crypto`: the payment cryptography calculator.
    struct Crypto: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Key check values, MACs, PIN blocks and DES/3DES: the calculator a payments engineer keeps open.",
            discussion: """
                Keys are clear test keys in hex: 16 digits single length (DES), 32 double (two-key 3DES), \
                48 triple. DES and 3DES come from the system OpenSSL's libcrypto.
                  paylab crypto kcv 0123456789ABCDEFFEDCBA9876543210
                  paylab crypto mac x9.19 0123456789ABCDEFFEDCBA9876543210 30323030
                  paylab crypto pinblock encode --pan 6222020000000001 --pin 123456 --key 0123456789ABCDEFFEDCBA9876543210
                  paylab crypto decrypt 70F2A84CCBC2AE8625CBB0F2C22AB923 96D605EA176B7E9E
                  paylab crypto arqc --imk 0123456789ABCDEFFEDCBA9876543210 --pan 6222020000000001 --psn 01 --atc 1 0000000100000000...
                """,
            subcommands: [KCV.self, MAC.self, PINBlockCommand.self, Encrypt.self, Decrypt.self, ARQC.self, ARPC.self]
        )

        struct KCV: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "kcv", abstract: "A key's check value: the key encrypting eight zero bytes.")
            @Argument(help: "The key in hex.") var key: String
            @Option(help: "How many bytes of the check value (UnionPay's DE62 carries 4; 3 is the other usual length).") var length = 4
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let key = try parseKey(key, option: "the key")
                guard (1...8).contains(length) else { throw ValidationError("--length is 1 to 8 bytes") }
                let kcv = Hex.encode(key.checkValue(count: length))
                emit(json: json, [("key_length", .string(key.length.rawValue)), ("kcv", .string(kcv))], kcv)
            }
        }

        struct MAC: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "mac", abstract: "The MAC of hex data: x9.9, x9.19 or cup-ecb.",
                discussion: "The data is what the MAC covers (for a frame: from the MTI to the byte before DE64). paylab decode --mac checks a whole frame.")
            @Argument(help: "x9.9 (single-DES CBC-MAC), x9.19 (ISO 9797-1 algorithm 3) or cup-ecb (UnionPay POS ECB MAC).") var algorithm: String
            @Argument(help: "The MAC key in hex.") var key: String
            @Argument(help: "The data in hex.") var data: String
            @Option(help: "ISO 9797-1 padding method: 1 (zeros) or 2 (0x80 then zeros).") var padding = 1
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                guard let algorithm = MACAlgorithm(rawValue: algorithm) else {
                    throw ValidationError("unknown MAC algorithm '\(algorithm)': x9.9, x9.19 or cup-ecb")
                }
                guard let padding = MACPadding(rawValue: padding) else { throw ValidationError("--padding is 1 or 2") }
                let key = try parseKey(key, option: "the key")
                let mac = algorithm.mac(key: key, try parseHex(data, what: "the data"), padding: padding)
                var pairs: [(String, JSONValue)] = [("algorithm", .string(algorithm.rawValue)), ("padding", .number(Int64(padding.rawValue))), ("mac", .string(Hex.encode(mac)))]
                var text = Hex.encode(mac)
                if algorithm == .cupECB {
                    let ascii = String(decoding: mac, as: UTF8.self)
                    pairs.append(("mac_ascii", .string(ascii)))
                    text += " (ASCII \(ascii))"
                }
                emit(json: json, pairs, text)
            }
        }

        struct Encrypt: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "DES (single-length key) or 3DES ECB encryption of whole 8-byte blocks.")
            @Argument(help: "The key in hex.") var key: String
            @Argument(help: "The data in hex, whole 8-byte blocks.") var data: String
            @Flag(help: "Print JSON.") var json = false

            func run() async throws { try ecb(key: key, data: data, json: json, encrypt: true) }
        }

        struct Decrypt: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "DES (single-length key) or 3DES ECB decryption of whole 8-byte blocks (a working key under a TMK, say).")
            @Argument(help: "The key in hex.") var key: String
            @Argument(help: "The data in hex, whole 8-byte blocks.") var data: String
            @Flag(help: "Print JSON.") var json = false

            func run() async throws { try ecb(key: key, data: data, json: json, encrypt: false) }
        }
    }

    /// The card of an EMV cryptogram: its issuer master key, PAN, PSN and ATC.
    struct EMVCard: ParsableArguments {
        @Option(help: "The issuer master key for application cryptograms (hex).") var imk: String
        @Option(help: "The card number.") var pan: String
        @Option(help: "The PAN sequence number (DE23, two digits).") var psn = "00"
        @Option(help: "The application transaction counter (9F36), decimal.") var atc: UInt16

        /// The ICC master key (option A) and the session key of the ATC.
        func keys() throws -> (master: DESKey, session: DESKey) {
            let imk = try parseKey(imk, option: "--imk")
            guard let master = EMVCryptograms.iccMasterKey(imk: imk, pan: pan, psn: psn),
                  let session = EMVCryptograms.sessionKey(masterKey: master, r: EMVCryptograms.r(atc: atc)) else {
                printError("error: --pan and --psn are digits")
                throw ExitStatus.invalid
            }
            return (master, session)
        }
    }

    struct ARQC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An EMV application cryptogram (ARQC, TC): the ICC master key by option A, the common session key of the ATC, ISO 9797-1 algorithm 3 with padding method 2 over the data.",
            discussion: "The data is the card's cryptogram input in hex (9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖ 9F36 ‖ CVR for UnionPay and Visa CVN 01).")
        @OptionGroup var card: EMVCard
        @Argument(help: "The data in hex.") var data: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (master, session) = try card.keys()
            let arqc = Hex.encode(EMVCryptograms.applicationCryptogram(sessionKey: session, data: try parseHex(data, what: "the data")))
            emit(json: json, [("icc_master_key", .string(master.hex)), ("session_key", .string(session.hex)), ("cryptogram", .string(arqc))],
                 "ICC master key \(master.hex)\nsession key \(session.hex)\ncryptogram \(arqc)")
        }
    }

    struct ARPC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The ARPC by method 1: 3DES under the session key of ARQC XOR (ARC ‖ six zero bytes).")
        @OptionGroup var card: EMVCard
        @Option(help: "The ARQC (9F26) in hex.") var arqc: String
        @Option(help: "The authorization response code: two characters, as DE39 (00, 05 ...).") var arc = "00"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (_, session) = try card.keys()
            guard let arpc = EMVCryptograms.arpcMethod1(sessionKey: session, arqc: try parseHex(arqc, what: "--arqc"), arc: Array(arc.utf8)) else {
                printError("error: --arqc is 8 bytes and --arc two characters")
                throw ExitStatus.invalid
            }
            emit(json: json, [("arpc", .string(Hex.encode(arpc))), ("tag_91", .string(Hex.encode(arpc) + Hex.encode(Array(arc.utf8))))],
                 "ARPC \(Hex.encode(arpc)) (tag 91: \(Hex.encode(arpc))\(Hex.encode(Array(arc.utf8))))")
        }
    }

    /// `paylab crypto pinblock`.
    struct PINBlockCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pinblock", abstract: "ISO 9564 format-0 PIN blocks: encode a PIN, or decode a block.",
            subcommands: [Encode.self, Decode.self])

        struct Encode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The format-0 PIN block of a PIN for a PAN, clear and (with --key) encrypted.")
            @Option(help: "The card number.") var pan: String
            @Option(help: "The PIN, 4 to 12 digits.") var pin: String
            @Option(help: "Encrypt the block under this key (a PIK or ZPK, hex).") var key: String?
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let key = try key.map { try parseKey($0, option: "--key") }
                do {
                    let clear = try PINBlock.encode(pin: pin, pan: pan)
                    var pairs: [(String, JSONValue)] = [("format", .number(0)), ("clear", .string(Hex.encode(clear)))]
                    var text = "clear \(Hex.encode(clear))"
                    if let key {
                        let encrypted = Hex.encode(key.encrypt(clear))
                        pairs.append(("encrypted", .string(encrypted)))
                        text += "\nencrypted \(encrypted)"
                    }
                    emit(json: json, pairs, text)
                } catch {
                    printError("error: \(error)")
                    throw ExitStatus.invalid
                }
            }
        }

        struct Decode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The PIN in a format-0 block (decrypted first with --key).")
            @Option(help: "The card number.") var pan: String
            @Option(help: "The key the block is encrypted under (hex); without it the block is clear.") var key: String?
            @Argument(help: "The PIN block in hex (8 bytes).") var block: String
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let key = try key.map { try parseKey($0, option: "--key") }
                let bytes = try parseHex(block, what: "the PIN block")
                do {
                    guard bytes.count == 8 else { throw PINBlock.Problem.blockLength(bytes.count) }
                    let clearBlock = key?.decrypt(bytes) ?? bytes
                    let clear = try PINBlock.decode(clearBlock, pan: pan)
                    emit(json: json, [("format", .number(0)), ("clear", .string(Hex.encode(clearBlock))), ("pin", .string(clear.pin))],
                         "PIN \(clear.pin) (clear block \(Hex.encode(clearBlock)), format 0)")
                } catch {
                    printError("error: \(error)")
                    throw ExitStatus.failed
                }
            }
        }
    }
}
