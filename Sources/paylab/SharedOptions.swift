public import ArgumentParser
import RunCore
import ISO8583
import Scenario
import SettlementCalendar
import Wire

/// `--pki DIR`, declared once for every command whose nodes present certificates.
struct PKIOptions: ParsableArguments {
    @Option(help: "Issue the certificates from the CA in this folder (made by `paylab pki init`), so a system under test that trusts its ca.pem trusts PayLab.")
    var pki: String?

    /// The folder, once its CA was read (nil when not given); a folder with no usable CA is
    /// invalid input: the problem is printed and the command exits 2 before anything runs.
    func checked() throws -> String? {
        guard let pki else { return nil }
        do {
            _ = try PKI(directory: pki).authority()
        } catch {
            printError("error: --pki \(pki): \(error)")
            throw ExitStatus.invalid
        }
        return pki
    }
}

/// `--dialect`, declared once for every command that reads or writes ISO 8583.
struct DialectOptions: ParsableArguments {
    @Option(help: "default, hex-bitmap, cup, or the path of a dialect file (.json or .yaml).")
    var dialect = "default"

    /// The dialect named; an unknown name or an unreadable file is invalid input (exit 2).
    func resolved() throws -> Dialect {
        do {
            return try DialectLoader.resolve(dialect)
        } catch {
            printError("error: \(error.description)")
            throw ExitStatus.invalid
        }
    }
}

/// Durations on the command line are written as in a scenario: `500ms`, `30s`, `5m`, `2h`.
extension Duration: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        guard let duration = Values.duration(argument) else { return nil }
        self = duration
    }

    public var defaultValueDescription: String { compact }
}
