import ArgumentParser
import Foundation
import RunCore
import ISO8583
import PaymentSecurity

extension PayLab {
    /// `paylab decode`.
    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fields of an ISO 8583 message.",
            discussion: """
                The message is a hex argument, or raw bytes on standard input; a leading 2-byte \
                length header is recognised and skipped. PANs, track data and PINs are masked unless --reveal.
                With --mac and --key it computes the MAC over the frame and says whether the one carried \
                (DE64 or DE128) matches; --mac auto tries every algorithm with both ISO 9797-1 paddings and \
                both spans (from the MTI, or from the TPDU and header) and names the ones that match. \
                With --pin-key it decrypts DE52 and reads it as an ISO 9564 format-0 block for the PAN.
                  paylab decode 30323030...
                  paylab decode --json --reveal 0041303230... | paylab encode
                  paylab decode --dialect cup --mac auto --key 0723C80DB5F4CD3D 007f6000...
                """
        )

        @Argument(help: "The message in hex (spaces allowed). Without it, raw bytes are read from standard input.")
        var hex: [String] = []

        @OptionGroup var dialect: DialectOptions

        @Flag(help: "Print JSON that paylab encode reads.")
        var json = false

        @Flag(help: "Show PANs, track data and PINs in full.")
        var reveal = false

        @Option(help: "Check the frame's MAC: x9.9, x9.19, cup-ecb, or auto (every algorithm, padding and span). Needs --key.")
        var mac: String?

        @Option(help: "The MAC key in hex (16 or 32 digits): a terminal's MAK or a zone's ZAK.")
        var key: String?

        @Option(name: .customLong("pin-key"), help: "Decrypt DE52 under this key (a PIK or ZPK, hex) and read the PIN block.")
        var pinKey: String?

        func run() async throws {
            let bytes: [UInt8]
            if hex.isEmpty {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let decoded = Hex.decode(hex.joined()) else {
                    printError("error: the argument is not hex (an even number of 0-9, A-F)")
                    throw ExitStatus.invalid
                }
                bytes = decoded
            }
            let chosen = try dialect.resolved()
            let macKey = try key.map { try parseKey($0, option: "--key") }
            let pinKey = try self.pinKey.map { try parseKey($0, option: "--pin-key") }
            if mac != nil, macKey == nil { throw ValidationError("--mac needs --key (the MAK or ZAK in hex)") }
            if let mac, mac != "auto", MACAlgorithm(rawValue: mac) == nil {
                throw ValidationError("--mac \(mac): the algorithms are \(MACAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")) and auto")
            }
            do {
                let (message, lengthHeader) = try MessageInspector.decode(bytes, dialect: chosen)
                let body = lengthHeader ? Array(bytes.dropFirst(2)) : bytes
                var checks: [MessageInspector.MACCheck] = []
                if let mac, let macKey {
                    checks = mac == "auto"
                        ? try MessageInspector.searchMAC(body, message: message, dialect: chosen, key: macKey)
                        : [try MessageInspector.checkMAC(body, message: message, dialect: chosen, key: macKey, algorithm: MACAlgorithm(rawValue: mac)!)]
                }
                let pin = try pinKey.map { try MessageInspector.checkPIN(message, key: $0) }
                if json {
                    guard case .object(var pairs) = MessageInspector.json(message, dialect: chosen, reveal: reveal) else { return }
                    if mac == "auto" { pairs.append(("mac", .array(checks.filter(\.matches).map(\.json)))) }
                    else if let check = checks.first { pairs.append(("mac", check.json)) }
                    if let pin { pairs.append(("pin_block", pin.json(reveal: reveal))) }
                    print(JSONValue.object(pairs).rendered())
                } else {
                    print(MessageInspector.table(message, dialect: chosen, reveal: reveal))
                    if mac == "auto" {
                        let matching = checks.filter(\.matches)
                        print(matching.isEmpty
                            ? "MAC: no algorithm, padding and span gives the carried \(checks.first.map { Hex.encode($0.carried) } ?? "") under this key (the wrong key?)"
                            : matching.map(\.line).joined(separator: "\n"))
                    } else if let check = checks.first {
                        print(check.line)
                    }
                    if let pin { print(pin.line(reveal: reveal)) }
                }
                if checks.first?.matches == false { throw ExitStatus.failed }
            } catch let error as MessageInspector.Problem {
                printError("error: \(error)")
                throw ExitStatus.invalid
            }
        }
    }

    /// `paylab encode`.
    struct Encode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an ISO 8583 message as hex from the JSON that paylab decode --json --reveal prints.",
            discussion: "Reads the JSON on standard input: {\"mti\": \"0200\", \"fields\": {\"3\": \"000000\", ...}}. Binary fields are hex."
        )

        @OptionGroup var dialect: DialectOptions

        @Flag(name: .customLong("no-length"), help: "Leave out the 2-byte length header.")
        var noLength = false

        func run() async throws {
            let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let chosen = try dialect.resolved()
            do {
                print(Hex.encode(try MessageInspector.encode(json: text, dialect: chosen, lengthHeader: !noLength)))
            } catch {
                printError("error: \(error)")
                throw ExitStatus.invalid
            }
        }
    }
}
