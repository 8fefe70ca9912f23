import ArgumentParser
import Foundation
import RunCore
import ISO8583

extension PayLab {
    /// `paylab decode`.
    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fields of an ISO 8583 message.",
            discussion: """
                The message is a hex argument, or raw bytes on standard input; a leading 2-byte \
                length header is recognised and skipped. PANs and track data are masked unless --reveal.
                  paylab decode 30323030...
                  paylab decode --json --reveal 0041303230... | paylab encode
                """
        )

        @Argument(help: "The message in hex (spaces allowed). Without it, raw bytes are read from standard input.")
        var hex: [String] = []

        @OptionGroup var dialect: DialectOptions

        @Flag(help: "Print JSON that paylab encode reads.")
        var json = false

        @Flag(help: "Show PANs and track data in full.")
        var reveal = false

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
            do {
                let (message, _) = try MessageInspector.decode(bytes, dialect: chosen)
                print(json ? MessageInspector.json(message, dialect: chosen, reveal: reveal).rendered() : MessageInspector.table(message, dialect: chosen, reveal: reveal))
            } catch {
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
